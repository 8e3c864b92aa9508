import type { z } from "zod";
import { json } from "../http";

/**
 * A JSON success response whose body went through its documented schema (lib/api/schemas.ts): the
 * OpenAPI document is built from the same schema, so a body that drifts from it fails here (a
 * ZodError, answered as a 500 by lib/http.ts route() and failing the route's tests) instead of
 * reaching a client. The parse also drops nothing silently: response objects are strict.
 */
export function respond<S extends z.ZodType>(schema: S, body: z.input<S>, status = 200, headers: HeadersInit = {}): Response {
  return json(schema.parse(body), status, headers);
}
