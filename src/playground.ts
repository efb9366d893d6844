/**
 * `npm run playground`: the bot with only its web chat, on the user's model credentials (a GitHub token, or a BYOK
 * endpoint such as a local OpenAI-compatible server), printing the address to open. The fastest way to see an
 * answer: no Slack app, no Discord bot.
 */
import { playgroundEnvironment } from "./config/playground.js";
import { runEntryPoint } from "./startup/entry-point.js";

await runEntryPoint({
  environment: playgroundEnvironment,
  onRunning(app) {
    const web = app.platforms.find((platform) => platform.name === "web") as { url?: string } | undefined;
    process.stdout.write(`\nthreadpilot playground: open ${web?.url ?? "the web chat"} in your browser (Ctrl+C stops it).\n\n`);
  },
});
