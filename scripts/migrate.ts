// Applies the migrations in db/migrations (the app also does this on start).
import { closeDb, getHandle } from "../db";

try {
  const { driver } = await getHandle();
  console.log(`Migrations applied (${driver}).`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await closeDb().catch(() => {});
}
