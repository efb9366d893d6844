/**
 * What `npm start` and `npm run playground` share: read the configuration (a .env file is optional; real
 * environment variables win over it), run the app until a signal, and turn any failure to start into one line and
 * exit status 1: a StartupError is already the sentence naming what to fix; anything else keeps its message on one
 * line. Never a stack, never a secret's value.
 */
import dotenv from "dotenv";
import type { RunningApp } from "../app.js";
import { ConfigError, loadConfig, type Config } from "../config/load.js";
import { SECRET_VARIABLES } from "../config/schema.js";
import { secretScrubber } from "../logging/logger.js";
import { StartupError } from "./startup-error.js";

export interface EntryPointOptions {
  /** The environment the configuration is read from (the playground keeps only the web chat). */
  environment?: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  /** Called once everything is up. */
  onRunning?: (app: RunningApp) => void;
}

export async function runEntryPoint(options: EntryPointOptions = {}): Promise<void> {
  dotenv.config({ quiet: true });
  const config = readConfig(options.environment?.(process.env) ?? process.env);
  // During start, an error a library rejects or throws where no caller can catch it (Bolt once fired auth.test
  // from its constructor) would crash Node with a stack trace: it gets the same one line. Once running, Node's
  // default handling applies again.
  process.on("unhandledRejection", fail);
  process.on("uncaughtException", fail);
  try {
    const { runApp } = await import("../app.js");
    // Not `onRunning?.(await runApp(config))`: an optional call skips evaluating its argument, the start included.
    const app = await runApp(config);
    options.onRunning?.(app);
  } catch (error) {
    fail(error);
  } finally {
    process.off("unhandledRejection", fail);
    process.off("uncaughtException", fail);
  }
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** The one line a failed start prints. */
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
