import { pino, type Logger, type DestinationStream } from "pino";
import { SECRET_VARIABLES } from "../config/schema.js";

export type { Logger };

/**
 * Paths pino censors wherever they appear in a log object: tokens under their config names, HTTP auth headers,
 * and the usual secret-bearing keys. Values are replaced, never printed.
 */
const REDACT_PATHS = [
  ...SECRET_VARIABLES,
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "githubToken",
  "apiKey",
  "authorization",
  "Authorization",
  "*.token",
  "*.botToken",
  "*.appToken",
  "*.signingSecret",
  "*.githubToken",
  "*.apiKey",
  "*.authorization",
  "*.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "*.*.apiKey",
  "*.*.token",
];

/**
 * Secret values known at start-up. Free text (an error message from a library that echoes a header, say) is
 * scrubbed of them too, since path-based redaction cannot see inside strings.
 */
export function secretScrubber(secrets: readonly string[]) {
  const values = secrets.filter((s) => s.length >= 8);
  if (values.length === 0) return (text: string) => text;
  return (text: string) => values.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}

export interface LoggerOptions {
  level: string;
  /** Secret values to scrub from any log line, whatever field they hide in. */
  secrets?: readonly string[];
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const scrub = secretScrubber(options.secrets ?? []);
  return pino(
    {
      level: options.level,
      base: { app: "threadpilot" },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      hooks: {
        // Last line of defence: the serialized line itself never carries a known secret.
        streamWrite: scrub,
      },
    },
    options.destination ?? pino.destination(1),
  );
}
