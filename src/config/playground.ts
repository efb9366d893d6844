import { join } from "node:path";

/**
 * What `npm run playground` changes in the environment: only the web chat runs (any Slack or Discord settings in
 * .env are left out, so trying the bot never connects it to a workspace), on port 8787 of 127.0.0.1 unless
 * WEB_CHAT_PORT says otherwise, with its own SQLite file (under DATA_DIR, default ./data) and quiet logs. The
 * model settings are the user's own.
 */
export const PLAYGROUND_DEFAULTS = {
  WEB_CHAT_PORT: "8787",
  LOG_LEVEL: "warn",
} as const;

const CHAT_PLATFORM_VARIABLE = /^(SLACK|DISCORD)_/;

export function playgroundEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(env).filter(([name]) => !CHAT_PLATFORM_VARIABLE.test(name)));
  for (const [name, value] of Object.entries(PLAYGROUND_DEFAULTS)) {
    if (!kept[name]?.trim()) kept[name] = value;
  }
  if (!kept.STORE_URL?.trim()) kept.STORE_URL = `sqlite://${join(kept.DATA_DIR?.trim() || "./data", "playground.sqlite")}`;
  return kept;
}
