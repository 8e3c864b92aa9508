import { z } from "zod";
import { AUDIT_ACTIONS, DEFAULT_LIMIT as DEFAULT_AUDIT_PAGE, MAX_LIMIT as MAX_AUDIT_PAGE } from "../audit-log";
import { ERRORS, type ErrorCode } from "../errors";
import { LOCALES } from "../i18n/locales";
import { msg, tr } from "../i18n/request-locale";
import { emailSchema, expiresSchema, INVITATION_STATUSES, MAX_BULK_EMAILS, MAX_INVITATION_PAGE, roleSchema } from "../invitations";
import { decodeCursor } from "../keyset";
import { MAX_RESET_SECONDS, USER_STATUSES, MAX_USERS_PAGE } from "../users";

// Every request and response body of the HTTP API, in one place: the route handlers parse with the
// request schemas and build their answers through the response schemas (lib/api/respond.ts), and
// lib/api/openapi.ts turns the same objects into the OpenAPI document (GET /api/openapi.json), so the
// two cannot drift. Response objects are strict: a handler that adds, drops or renames a field fails
// at once (lib/api/respond.ts parses every body it sends).

// ---- shared pieces ----------------------------------------------------------------------------

const id = z.guid().describe("A UUID.");
const instant = z.iso.datetime().describe("An ISO 8601 time in UTC.");
const nullableInstant = instant.nullable();
const role = roleSchema;
const linkKind = z.enum(["invite", "reset"]);

// Postgres text cannot hold U+0000: a search for one would be a 500, not an empty list.
const NO_NUL_CHARACTER = /^[^\u0000]*$/;
const NO_NUL = msg("api.q_no_nul");
const linkLocale = z.enum(LOCALES).describe("The language of the link's page and of its emails.");
// A request's choice of the invitee's language; without it, the inviting admin's own language.
const localeChoice = z
  .enum(LOCALES, msg("api.invalid_locale"))
  .optional()
  .describe("The invitee's language (en or de): their link's page and its emails. Default: the language of this request.");

export const sessionUser = z.strictObject({ id, email: z.string(), role });

export const errorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]).describe("Stable, machine-readable (lib/errors.ts)."),
    message: z.string().describe("A sentence for a person; may change."),
  }),
});

// ---- auth -------------------------------------------------------------------------------------

export const loginBody = z.object({
  email: z.string().trim().min(1, msg("api.enter_email")).max(254),
  password: z.string().min(1, msg("api.enter_password")).max(4096),
});

export const loginResponse = z.strictObject({ user: sessionUser });

export const forgotBody = z.object({ email: emailSchema }).strict();

export const forgotResponse = z.strictObject({
  status: z.literal("accepted"),
  message: z.string(),
});

export const reauthBody = z.object({ password: z.string().min(1, msg("api.enter_password")).max(4096) }).strict();

// The same bounds as login's password field; the policy (at most 256 characters) judges the new one.
export const passwordChangeBody = z.object({
  current_password: z.string().min(1, msg("api.enter_current_password")).max(4096),
  new_password: z.string().min(1, msg("api.enter_new_password")).max(4096),
});

// ---- me and sessions --------------------------------------------------------------------------

export const meResponse = z.strictObject({
  user: sessionUser,
  session: z.strictObject({
    id,
    fresh: z.boolean().describe("Sensitive actions (re-authentication routes) would run now without confirming the password."),
    expires_at: instant,
  }),
});

const sessionItem = z.strictObject({
  id,
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: instant,
  last_used_at: instant,
  authenticated_at: instant,
  expires_at: instant.describe("Whichever end comes first: the absolute one or the idle timeout."),
  current: z.boolean(),
});

export const sessionsResponse = z.strictObject({ sessions: z.array(sessionItem) });

export const revokeOthersResponse = z.strictObject({ revoked: z.number().int().min(0).describe("How many other sessions ended.") });

// ---- onboarding -------------------------------------------------------------------------------

export const getTokenQuery = z.object({
  token: z.string(msg("api.token_required")).min(1, msg("api.token_required")).max(256, msg("api.token_too_long")),
});

export const getTokenResponse = z.strictObject({
  onboarding_token: z.string().describe("A short-lived JWT: send it as `Authorization: Bearer` to POST /api/onboarding/claim_token."),
  email: z.string(),
  kind: linkKind,
  expires_at: instant,
});

export const claimBody = z.object({
  token: z.string(msg("api.token_required")).min(1, msg("api.token_required")).max(256, msg("api.token_too_long")),
  password: z.string(msg("api.password_required")).max(4096, msg("api.password_too_long")),
});

// ---- invitations ------------------------------------------------------------------------------

export const createInvitationBody = z.object({
  email: emailSchema,
  role: roleSchema.default("member"),
  expires_in_seconds: expiresSchema.optional(),
  // Without it, a live pending invitation of this address answers 409 invitation_pending.
  replace: z.boolean().optional(),
  locale: localeChoice,
});

export const createdInvitationResponse = z.strictObject({
  invitation: z.strictObject({
    id,
    email: z.string(),
    role,
    kind: linkKind,
    url: z.string().describe("The link, with its secret: shown once."),
    expires_at: instant,
    locale: linkLocale,
    emailed: z.boolean().describe("Queued to be mailed to the invitee (email on)."),
  }),
});

export const reissuedInvitationResponse = z.strictObject({
  invitation: z.strictObject({
    id,
    email: z.string(),
    role,
    kind: linkKind,
    url: z.string().nullable().describe("The new link, or null for a reset link while email is on (mailed to its user only)."),
    expires_at: instant,
    locale: linkLocale.describe("The old link's language, kept (a reset: the user's latest link's)."),
    emailed: z.boolean(),
  }),
});

export const bulkInvitationBody = z.object({
  // Any string: a line that is not a usable address is that line's outcome (invalid_email), not the
  // request's failure. The body cap bounds the work.
  emails: z
    .array(z.string())
    .min(1, msg("api.bulk_count", { max: String(MAX_BULK_EMAILS) }))
    .max(MAX_BULK_EMAILS, msg("api.bulk_count", { max: String(MAX_BULK_EMAILS) })),
  role: roleSchema,
  expires_in_seconds: expiresSchema.optional(),
  replace: z.boolean().optional(),
  locale: localeChoice,
});

export const bulkInvitationResponse = z.strictObject({
  results: z.array(
    z.strictObject({
      email: z.string(),
      outcome: z.enum(["invited", "replaced", "invitation_pending", "user_exists", "invalid_email", "domain_not_allowed", "duplicate", "rate_limited"]),
      invitation: z.strictObject({ id, url: z.string(), expires_at: instant, locale: linkLocale, emailed: z.boolean() }).optional(),
    }),
  ),
});

export const invitationListQuery = z.object({
  status: z.enum(INVITATION_STATUSES, msg("api.invitation_status")).optional(),
  q: z.string().trim().min(3, msg("api.q_length")).max(254, msg("api.q_length")).regex(NO_NUL_CHARACTER, NO_NUL).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, msg("api.limit_range", { max: String(MAX_INVITATION_PAGE) }))
    .transform(Number)
    .pipe(z.number().min(1, msg("api.limit_range", { max: String(MAX_INVITATION_PAGE) })).max(MAX_INVITATION_PAGE, msg("api.limit_range", { max: String(MAX_INVITATION_PAGE) })))
    .optional(),
  cursor: z
    .string()
    .transform((value, ctx) => decodeCursor("invitations", value) ?? (ctx.addIssue({ code: "custom", message: tr("api.cursor_invalid_list") }), z.NEVER))
    .optional(),
});

export const invitationListResponse = z.strictObject({
  invitations: z.array(
    z.strictObject({
      id,
      email: z.string(),
      role: role.describe("The role this invitation granted."),
      kind: linkKind,
      status: z.enum(INVITATION_STATUSES),
      invited_by: z.string().nullable().describe("The inviter's address, or null (the CLI, the first admin, a deleted admin)."),
      created_at: instant,
      expires_at: instant,
      accepted_at: nullableInstant,
      revoked_at: nullableInstant,
      locale: linkLocale,
      delivery: z
        .strictObject({
          state: z.enum(["queued", "sending", "sent", "retrying", "failed", "cancelled"]),
          attempts: z.number().int().min(0),
          next_attempt_at: z.string().nullable(),
          sent_at: z.string().nullable(),
          error: z.string().nullable(),
        })
        .nullable()
        .describe("Its email, or null when it was never mailed (email off)."),
    }),
  ),
  next_cursor: z.string().nullable(),
  email: z.enum(["on", "off"]),
});

export const revokeInvitationResponse = z.strictObject({ ok: z.literal(true) });

// ---- users ------------------------------------------------------------------------------------

// Every parameter at most once; an unknown one is refused rather than silently ignored. An empty
// value (`?q=` from an empty search box) means the parameter is absent.
export const userListQuery = z
  .object({
    q: z.string().trim().min(3, msg("api.q_min")).max(254, msg("api.q_max")).regex(NO_NUL_CHARACTER, NO_NUL).optional(),
    role: roleSchema.optional(),
    status: z.enum(USER_STATUSES).optional(),
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, msg("api.limit_range", { max: String(MAX_USERS_PAGE) }))
      .transform(Number)
      .pipe(z.number().int().min(1, msg("api.limit_from_to", { max: String(MAX_USERS_PAGE) })).max(MAX_USERS_PAGE, msg("api.limit_from_to", { max: String(MAX_USERS_PAGE) })))
      .optional(),
    cursor: z.string().max(200, msg("api.cursor_invalid")).optional(),
  })
  .strict();

const userItem = z.strictObject({
  id,
  email: z.string(),
  role,
  status: z.enum(USER_STATUSES),
  created_at: instant,
  last_sign_in_at: nullableInstant,
});

export const userListResponse = z.strictObject({ users: z.array(userItem), next_cursor: z.string().nullable() });

// "role or disabled": a refinement JSON Schema output drops; minProperties says the same for an
// object that allows no other keys.
export const userPatchBody = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, msg("api.role_or_disabled"))
  .meta({ minProperties: 1 });

export const userPatchResponse = z.strictObject({ user: userItem });

export const resetBody = z
  .object({
    expires_in_seconds: z
      .number()
      .int(msg("api.expires_whole"))
      .min(1, msg("api.expires_min"))
      .max(MAX_RESET_SECONDS, msg("api.reset_max", { seconds: String(MAX_RESET_SECONDS) }))
      .optional(),
  })
  .strict();

export const resetResponse = z.strictObject({
  invitation: z.strictObject({
    id,
    email: z.string(),
    kind: z.literal("reset"),
    url: z.string().nullable().describe("The link, shown once; null while email is on (mailed to the user only)."),
    expires_at: instant,
    emailed: z.boolean(),
  }),
});

// ---- audit ------------------------------------------------------------------------------------

// lib/audit-log.ts parseAuditQuery reads these parameters (with its own messages, and refusing an
// unknown or repeated one); this schema describes them for the document. An empty value is absent.
const auditFilters = {
  action: z
    .string()
    .optional()
    .describe(`An action name, or a prefix ending in "." (such as "invitation."). Actions: ${AUDIT_ACTIONS.join(", ")}.`),
  actor: z.string().optional().describe("A user id, or an email address (matched by its canonical form, or as recorded for deleted users)."),
  target: z.string().optional().describe("A user id, or an email address, as for actor."),
  from: z.string().optional().describe("Inclusive: an ISO 8601 time with a zone (2026-01-31T00:00:00Z), or a date (00:00 UTC)."),
  to: z.string().optional().describe("Exclusive: as for from; not earlier than from."),
};

export const auditListQuery = z.strictObject({
  ...auditFilters,
  limit: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional()
    .describe(`A whole number from 1 to ${MAX_AUDIT_PAGE} (default ${DEFAULT_AUDIT_PAGE}).`),
  cursor: z.string().optional().describe("next_cursor of the previous page."),
});

export const auditExportQuery = z.strictObject(auditFilters);

const party = z.strictObject({ id: z.string().nullable(), email: z.string().nullable() }).nullable();

export const auditListResponse = z.strictObject({
  events: z.array(
    z.strictObject({
      id,
      action: z.string(),
      actor: party,
      target: party,
      invitation_id: z.string().nullable(),
      ip: z.string().nullable(),
      user_agent: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
      created_at: z.string().describe("The exact time, UTC, microseconds."),
    }),
  ),
  next_cursor: z.string().nullable(),
});

// ---- health and this document -----------------------------------------------------------------

export const healthOk = z.strictObject({ status: z.literal("ok"), db: z.literal("ok") });
export const healthUnreachable = z.strictObject({ status: z.literal("error"), db: z.literal("unreachable") });

export const openApiResponse = z
  .object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) })
  .loose();
