import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { z } from "zod";
import { openApiDocument, type JsonSchema, type OpenApiDocument, type OperationObject } from "../openapi";

// Checks one real answer against the OpenAPI document: its status is documented for the operation, its
// content type is the documented one (or there is no body, for a response documented without one), its
// JSON body validates against the documented schema (JSON Schema 2020-12, with ajv; an error body's
// `code` must be one of that status's codes), and a 429 or 503 carries Retry-After.

const COMPONENTS_ID = "https://openapi.invalid/components";

type Validators = { doc: OpenApiDocument; ajv: Ajv2020; compiled: Map<string, ValidateFunction> };
let validators: Validators | undefined;

function setup(): Validators {
  if (validators) return validators;
  const doc = openApiDocument();
  // The two formats the document uses, checked as zod checks them (z.iso.datetime, z.guid).
  const dateTime = z.iso.datetime();
  const guid = z.guid();
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    formats: { "date-time": (s: string) => dateTime.safeParse(s).success, uuid: (s: string) => guid.safeParse(s).success },
  });
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: doc.components.schemas });
  validators = { doc, ajv, compiled: new Map() };
  return validators;
}

/** A response schema with its component references pointed at the components added to ajv. */
function compile(v: Validators, key: string, schema: JsonSchema): ValidateFunction {
  let fn = v.compiled.get(key);
  if (!fn) {
    const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${COMPONENTS_ID}#/$defs/`)) as JsonSchema;
    fn = v.ajv.compile(rewritten);
    v.compiled.set(key, fn);
  }
  return fn;
}

/** The documented operation for a method and an OpenAPI path ("/api/users/{id}"), if any. */
export function documentedOperation(method: string, path: string): OperationObject | undefined {
  return setup().doc.paths[path]?.[method.toLowerCase()];
}

/** "/api/users/:id" → "/api/users/{id}". */
export function openApiPath(pattern: string): string {
  return pattern.replace(/:([A-Za-z]+)/g, "{$1}");
}

export type Answer = { status: number; headers: Headers; body: string };

/** What is wrong with this answer (an empty list: it matches the document). */
export function contractProblems(method: string, path: string, answer: Answer): string[] {
  const v = setup();
  const op = documentedOperation(method, path);
  if (!op) return [`${method} ${path} is not in the document`];
  const documented = op.responses[String(answer.status)];
  if (!documented) return [`status ${answer.status} is not documented (documented: ${Object.keys(op.responses).join(", ")}); body: ${answer.body.slice(0, 200)}`];
  const problems: string[] = [];
  if ((answer.status === 429 || answer.status === 503) && !answer.headers.has("retry-after")) problems.push(`${answer.status} without Retry-After`);
  const type = (answer.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const content = documented.content;
  if (!content) {
    if (answer.body !== "") problems.push(`status ${answer.status} is documented without a body, got ${type}: ${answer.body.slice(0, 200)}`);
    return problems;
  }
  const media = content[type];
  if (!media) return [...problems, `content type "${type}" is not documented for ${answer.status} (documented: ${Object.keys(content).join(", ")})`];
  if (type !== "application/json") return problems;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...problems, `the body is not JSON: ${answer.body.slice(0, 200)}`];
  }
  const validate = compile(v, `${method} ${path} ${answer.status}`, media.schema);
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
    problems.push(`the body does not match the ${answer.status} schema: ${errors.join("; ")}; body: ${answer.body.slice(0, 300)}`);
  }
  return problems;
}

/** Reads a response (a clone of it, so the caller can still read the original) into an Answer. */
export async function answerOf(res: Response, { readBody = true } = {}): Promise<Answer> {
  return { status: res.status, headers: res.headers, body: readBody ? await res.clone().text() : "" };
}
