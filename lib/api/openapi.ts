import { z } from "zod";
import packageJson from "../../package.json";
import { sessionCookieName } from "../auth/session";
import { ACCESS, REAUTH, type GuardedRoute } from "../authz";
import { errorMessage, type ErrorCode } from "../errors";
import { idSchema } from "../ids";
import { bodyCap, errorsByStatus, OPERATIONS, routeKeyOf, type Answer, type HeaderName, type Operation, type OperationKey } from "./operations";
import * as schemas from "./schemas";

// The OpenAPI 3.1 document of the HTTP API (GET /api/openapi.json), generated from the zod schemas the
// route handlers use (lib/api/schemas.ts) with zod's own JSON Schema output (draft 2020-12, which
// OpenAPI 3.1 uses as is), and from the operation table (lib/api/operations.ts). Built once per process.

export type JsonSchema = { [key: string]: unknown };
export type ResponseObject = {
  description: string;
  headers?: Record<string, { $ref: string }>;
  content?: Record<string, { schema: JsonSchema }>;
  "x-error-codes"?: ErrorCode[];
};
export type OperationObject = {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  security: Record<string, string[]>[];
  parameters?: JsonSchema[];
  requestBody?: { required: boolean; description: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseObject>;
  "x-access": "anonymous" | "member" | "admin";
};
export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
    headers: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
  };
};

const SCHEMA_REF = "#/components/schemas/";

const DESCRIPTION = `The HTTP API of the invite-link onboarding dashboard. Generated from the zod schemas the route handlers parse requests and build responses with, so it describes what the server does.

- Every error is \`{ "error": { "code", "message" } }\`: \`code\` is stable (each operation lists the codes it can answer, per status, in its schema's enum and in \`x-error-codes\`); \`message\` is a sentence in the request's language (language cookie, else Accept-Language) and may change.
- Every API response carries \`Cache-Control: no-store\`.
- State-changing requests (POST, PATCH, DELETE) must come from the app's own origin (\`Origin\`, or \`Sec-Fetch-Site: same-origin\`), else 403 \`csrf_rejected\`.
- JSON bodies: \`Content-Type: application/json\` (else 415 \`unsupported_media_type\`), at most 16 kB (160 kB for POST /api/invitations/bulk; else 413 \`payload_too_large\`); malformed JSON or a body off its schema is 400 \`invalid_request\`.
- Answered by the server before any route, for every path: an unknown \`/api\` path is 404 \`not_found\`; a method a path does not implement is 405 \`method_not_allowed\` with an \`Allow\` header (HEAD is answered for GET routes, OPTIONS for every route); a malformed path (\`/api/users/%ZZ\`) is 400 \`invalid_request\`. All three have the error body above.
- When the database is unreachable or too slow, routes answer 503 \`service_unavailable\` with \`Retry-After: 2\`; when the password-hashing queue is full, sign-in, claim, re-authentication and password change answer 503 \`server_busy\` with \`Retry-After: 1\`. 429 \`rate_limited\` carries \`Retry-After\` too.
- Who may call what: \`x-access\` on each operation (anonymous, member: any signed-in user, admin), from lib/authz.ts. Routes that need a recently confirmed password (POST /api/auth/reauth) answer 403 \`reauth_required\` otherwise.`;

const TAGS: Record<Operation["tag"], string> = {
  auth: "Signing in and out, forgotten passwords, re-authentication.",
  onboarding: "Invitation and reset links: open one, then set the password.",
  me: "The signed-in user.",
  sessions: "Sessions of the signed-in user.",
  invitations: "Invitations (admins).",
  users: "Users (admins).",
  audit: "The audit trail (admins).",
  health: "For load balancers.",
  meta: "This document.",
};

const HEADERS: Record<HeaderName, { component: string; header: JsonSchema }> = {
  "Set-Cookie": { component: "SetCookie", header: { description: "The session cookie (HttpOnly, SameSite=Lax, Path=/); on sign-in also a device cookie.", schema: { type: "string" } } },
  "Retry-After": { component: "RetryAfter", header: { description: "Seconds to wait before trying again.", schema: { type: "string", pattern: "^[0-9]+$" } } },
  "Referrer-Policy": { component: "ReferrerPolicy", header: { description: "no-referrer: the request URL carried a link secret.", schema: { type: "string", const: "no-referrer" } } },
  "Content-Disposition": { component: "ContentDisposition", header: { description: 'attachment; filename="audit-events-<time>.csv"', schema: { type: "string" } } },
};

/**
 * zod → JSON Schema (draft 2020-12), without the `$schema` key (OpenAPI 3.1 sets the dialect), and
 * without the long regular expression zod writes beside a `date-time` or `uuid` format (the format
 * says it; lib/api/testing/contract.ts checks both formats with zod's own checks).
 */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === "date-time" || jsonSchema.format === "uuid") delete jsonSchema.pattern;
    },
  }) as JsonSchema;
  return rest;
}

/** An error body whose `code` is one of `codes` (the shared Error schema, narrowed). */
function errorSchemaOf(codes: ErrorCode[]): JsonSchema {
  return {
    allOf: [{ $ref: `${SCHEMA_REF}Error` }],
    type: "object",
    properties: { error: { type: "object", properties: { code: { type: "string", enum: codes } } } },
  };
}

/** The name of each schema lib/api/schemas.ts exports, as a component name (loginBody → LoginBody). */
const NAMES = new Map<unknown, string>(
  Object.entries(schemas)
    .filter(([, value]) => value instanceof z.ZodType)
    .map(([name, value]) => [value, name[0].toUpperCase() + name.slice(1)]),
);

function operationId(key: OperationKey): string {
  const [method, path] = key.split(" ");
  const words = path
    .replace(/^\/api\//, "")
    .split(/[/_.]/)
    .map((w) => w.replace(/[{}]/g, ""))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

const WHO = { anonymous: "Anyone.", member: "Any signed-in user.", admin: "Admins only." } as const;

function codeList(codes: ErrorCode[]): string {
  return codes.map((code) => `\`${code}\` (${errorMessage(code)})`).join("; ");
}

export function buildOpenApiDocument(): OpenApiDocument {
  const components: OpenApiDocument["components"] = {
    schemas: { Error: jsonSchemaOf(schemas.errorBody, "output") },
    securitySchemes: {
      sessionCookie: {
        type: "apiKey",
        in: "cookie",
        name: sessionCookieName(),
        description:
          "The session cookie set by POST /api/auth/login and POST /api/onboarding/claim_token (named `__Host-session` when the app runs on https, `session` on plain http). Two session cookies in one request count as none.",
      },
      onboardingToken: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "The onboarding JWT from GET /api/onboarding/get_token (HS256, `typ: onboarding+jwt`, short-lived), for POST /api/onboarding/claim_token only.",
      },
    },
    headers: Object.fromEntries(Object.values(HEADERS).map(({ component, header }) => [component, header])),
    responses: {
      NotFound: {
        description: "An unknown /api path (answered before any route).",
        content: { "application/json": { schema: { $ref: `${SCHEMA_REF}Error` } } },
        "x-error-codes": ["not_found"],
      },
      MethodNotAllowed: {
        description: "A method the path does not implement, with an `Allow` header (answered before any route).",
        content: { "application/json": { schema: { $ref: `${SCHEMA_REF}Error` } } },
        "x-error-codes": ["method_not_allowed"],
      },
    },
  };

  const ref = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
    const name = NAMES.get(schema);
    if (!name) return jsonSchemaOf(schema, io);
    components.schemas[name] ??= jsonSchemaOf(schema, io);
    return { $ref: `${SCHEMA_REF}${name}` };
  };
  const headersOf = (names: HeaderName[] | undefined) =>
    names?.length ? Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${HEADERS[n].component}` }])) : undefined;

  const paths: OpenApiDocument["paths"] = {};
  for (const key of Object.keys(OPERATIONS) as OperationKey[]) {
    const op: Operation = OPERATIONS[key];
    const [method, path] = key.split(" ");
    const access = ACCESS[routeKeyOf(key)];

    const parameters: JsonSchema[] = [];
    if (op.id) {
      parameters.push({
        name: "id",
        in: "path",
        required: true,
        description: `The id of ${op.id.names} (a UUID). A malformed or unknown id is 404 \`${op.id.notFound}\`.`,
        schema: jsonSchemaOf(idSchema, "input"),
      });
    }
    if (op.query) {
      const query = jsonSchemaOf(op.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({
          name,
          in: "query",
          required: query.required?.includes(name) ?? false,
          ...(typeof schema.description === "string" ? { description: schema.description } : {}),
          schema,
        });
      }
    }

    const responses: Record<string, ResponseObject> = {};
    for (const answer of op.answers as Answer[]) {
      const content: ResponseObject["content"] = answer.csv
        ? { "text/csv": { schema: { type: "string" } } }
        : answer.schema
          ? { "application/json": { schema: ref(answer.schema, "output") } }
          : undefined;
      responses[String(answer.status)] = { description: answer.description, headers: headersOf(answer.headers), content };
    }
    for (const [status, codes] of errorsByStatus(key)) {
      if (responses[String(status)]) throw new Error(`${key}: ${status} is both an answer and an error`);
      const retry = codes.some((c) => c === "rate_limited" || c === "server_busy" || c === "service_unavailable");
      responses[String(status)] = {
        description: `An error: ${codeList(codes)}.`,
        headers: headersOf(retry ? ["Retry-After"] : undefined),
        content: { "application/json": { schema: errorSchemaOf(codes) } },
        "x-error-codes": codes,
      };
    }
    // Drop the keys left undefined (JSON would drop them anyway; this keeps the object honest).
    for (const r of Object.values(responses)) for (const k of Object.keys(r) as (keyof ResponseObject)[]) if (r[k] === undefined) delete r[k];

    const security = op.bearer ? [{ onboardingToken: [] }] : access === "anonymous" ? [] : [{ sessionCookie: [] }];
    const fresh = REAUTH.has(routeKeyOf(key) as GuardedRoute) ? " Needs a recently confirmed password (POST /api/auth/reauth), else 403 `reauth_required`." : "";
    const description = [op.description, `Who: ${WHO[access]}${fresh}`].filter(Boolean).join("\n\n");
    const operation: OperationObject = {
      operationId: operationId(key),
      tags: [op.tag],
      summary: op.summary,
      description,
      security,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              description: `JSON, at most ${bodyCap(op) / 1024} kB.${op.bodyOptional ? " May be left out (no body and no Content-Type)." : ""}`,
              content: { "application/json": { schema: ref(op.body, "input") } },
            },
          }
        : {}),
      responses,
      "x-access": access,
    };
    (paths[path] ??= {})[method.toLowerCase()] = operation;
  }

  return {
    openapi: "3.1.0",
    info: { title: "Team dashboard API (invite-link onboarding)", version: packageJson.version, description: DESCRIPTION },
    servers: [{ url: "/", description: "This server." }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components,
  };
}

let cached: OpenApiDocument | undefined;

/** The document, built on first use and kept (it depends only on code and on APP_URL's scheme). */
export function openApiDocument(): OpenApiDocument {
  return (cached ??= buildOpenApiDocument());
}
