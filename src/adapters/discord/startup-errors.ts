/**
 * What a failed Discord login means for the user, as one sentence naming the variable to fix: a token Discord
 * refuses (DISCORD_TOKEN), the Message Content intent not enabled, or no answer at all from DISCORD_API_URL (a
 * network problem, not a bad token).
 */
import { StartupError } from "../../startup/startup-error.js";
import { networkFailure, unreachableSentence } from "../../startup/network-failure.js";

/** The sentence for a failed login; a failure not understood keeps its own message (the entry point prints it). */
export function loginFailure(error: unknown, apiUrl: string): Error {
  const code = (error as { code?: unknown } | undefined)?.code;
  const status = (error as { status?: unknown } | undefined)?.status;
  // discord.js: TokenInvalid when the gateway refuses the token, a 401 DiscordAPIError when REST does.
  if (code === "TokenInvalid" || status === 401) {
    return new StartupError(
      "DISCORD_TOKEN",
      "Discord rejected the bot token: copy it again from the Developer Portal (Bot → Reset Token) into DISCORD_TOKEN.",
      { cause: error },
    );
  }
  if (code === "DisallowedIntents" || /disallowed intents/i.test(String((error as Error | undefined)?.message))) {
    return new StartupError(
      "DISCORD_TOKEN",
      "Discord refused the Message Content intent for the bot in DISCORD_TOKEN: enable it under Bot → Privileged Gateway Intents in the Developer Portal.",
      { cause: error },
    );
  }
  const failure = networkFailure(error);
  if (failure !== undefined) {
    return new StartupError("DISCORD_API_URL", unreachableSentence("Discord", "DISCORD_API_URL", apiUrl, failure), {
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`Could not connect to Discord: ${reason}`, { cause: error });
}
