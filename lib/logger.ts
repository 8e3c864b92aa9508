import pino from "pino";

// One logger for lib/ and app/. Anything that may carry a secret is redacted by path, so a careless
// `logger.info({ body })` still prints no password or token.
export const REDACT_PATHS = [
  "password",
  "token",
  "onboarding_token",
  "authorization",
  "cookie",
  "*.password",
  "*.token",
  "*.onboarding_token",
  "*.authorization",
  "*.cookie",
  "*.headers.authorization",
  "*.headers.cookie",
  "*.headers['set-cookie']",
  "url",
  "*.url",
];

export function createLogger(destination?: pino.DestinationStream) {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? "info",
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

export const logger = createLogger();
