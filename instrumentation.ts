// Runs once when the server starts (not during `next build`).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startupOrExit } = await import("./lib/startup");
  await startupOrExit();
}
