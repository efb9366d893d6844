/**
 * `npm run playground`: the bot with only its web chat, on the user's model credentials (GITHUB_TOKEN, or a BYOK
 * endpoint such as a local OpenAI-compatible server), printing the address to open. The fastest way to see an
 * answer: no Slack app, no Discord bot.
 */
import dotenv from "dotenv";
import { ConfigError, loadConfig, type Config } from "./config/load.js";
import { playgroundEnvironment } from "./config/playground.js";

// A .env file is optional; real environment variables win over it.
dotenv.config({ quiet: true });

function readConfig(): Config {
  try {
    return loadConfig(playgroundEnvironment(process.env));
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
  const app = await runApp(config);
  const web = app.platforms.find((platform) => platform.name === "web") as { url?: string } | undefined;
  process.stdout.write(`\nthreadpilot playground: open ${web?.url ?? "the web chat"} in your browser (Ctrl+C stops it).\n\n`);
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`threadpilot stopped: ${reason}\n`);
  process.exit(1);
}
