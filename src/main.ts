import dotenv from "dotenv";
import { ConfigError, loadConfig, type Config } from "./config/load.js";
import { SECRET_VARIABLES } from "./config/schema.js";
import { secretScrubber } from "./logging/logger.js";
import { StartupError } from "./startup/startup-error.js";

// A .env file is optional; real environment variables win over it.
dotenv.config({ quiet: true });

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The one line a failed start prints: a StartupError is already the sentence naming what to fix; anything else
 * (not understood) keeps its message on one line, behind a prefix. Never a stack, never a secret's value.
 */
function failureLine(error: unknown): string {
  const line =
    error instanceof StartupError
      ? error.message
      : `threadpilot stopped: ${error instanceof Error ? error.message : String(error)}`;
  const scrub = secretScrubber(SECRET_VARIABLES.map((name) => process.env[name]).filter((v): v is string => Boolean(v)));
  const oneLine = line.replace(/\s*\n\s*/g, " ").trim();
  return scrub(/[.!?]$/.test(oneLine) ? oneLine : `${oneLine}.`);
}

/** Prints the failure and exits 1; the Copilot runtime's process ends with its stdio pipe if still running. */
function fail(error: unknown): never {
  process.stderr.write(`${failureLine(error)}\n`);
  process.exit(1);
}

const config = readConfig();
// During start, an error a library rejects or throws where no caller can catch it (Bolt once fired auth.test from
// its constructor) would crash Node with a stack trace: it gets the same one line. Once running, Node's default
// handling applies again.
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);
try {
  const { runApp } = await import("./app.js");
  await runApp(config);
} catch (error) {
  fail(error);
} finally {
  process.off("unhandledRejection", fail);
  process.off("uncaughtException", fail);
}
