import dotenv from "dotenv";
import { ConfigError, loadConfig, type Config } from "./config/load.js";

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

const config = readConfig();
try {
  const { runApp } = await import("./app.js");
  await runApp(config);
} catch (error) {
  // One sentence, no stack: the details are in the logs at debug level.
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`threadpilot stopped: ${reason}\n`);
  process.exit(1);
}
