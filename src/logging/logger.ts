import { pino, type Logger, type DestinationStream } from "pino";
import { PinoPretty } from "pino-pretty";
import { SECRET_VARIABLES } from "../config/schema.js";

export type { Logger };

/** LOG_FORMAT: "pretty" (coloured lines for people) or "json" (one object a line, for collectors). */
export type LogFormat = "pretty" | "json";

/**
 * The format to use when LOG_FORMAT is unset: pretty for a person at a terminal, JSON for everything else
 * (containers, systemd's journal, log shippers, the tests that parse the bot's stdout).
 */
export function resolveLogFormat(setting: LogFormat | undefined, stdoutIsTTY: boolean): LogFormat {
  return setting ?? (stdoutIsTTY ? "pretty" : "json");
}

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
  /** JSON unless told otherwise: the caller resolves LOG_FORMAT (see `resolveLogFormat`). */
  format?: LogFormat;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const scrub = secretScrubber(options.secrets ?? []);
  // Pretty-printing reads the JSON line pino wrote, so redaction and scrubbing have already happened when it
  // formats: secrets stay out in both formats. It runs in this thread (no transport worker), so the last lines
  // before an exit are not lost.
  const destination =
    options.format === "pretty"
      ? PinoPretty({
          destination: options.destination ?? 1,
          sync: true,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname,app",
        })
      : (options.destination ?? pino.destination(1));
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
    destination,
  );
}
