import { openApiDocument } from "@/lib/api/openapi";
import { respond } from "@/lib/api/respond";
import { openApiResponse } from "@/lib/api/schemas";
import { route } from "@/lib/http";

// GET /api/openapi.json — the OpenAPI 3.1 document of this API (lib/api/openapi.ts), built once.
export const GET = route(async () => respond(openApiResponse, openApiDocument()));
