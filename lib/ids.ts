import { z } from "zod";

// Checked before any query: Postgres rejects a malformed uuid with an error, not an empty result.
export const idSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "not a valid id");
