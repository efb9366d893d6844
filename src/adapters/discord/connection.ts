/**
 * The discord.js client threadpilot runs: the intents it needs, the REST base it talks to (DISCORD_API_URL, for
 * Discord's own proxy and the tests), and a rate-limit policy that hands message-route limits to the streamer.
 */
import { Client, Events, GatewayIntentBits, Options, Partials, type RateLimitData } from "discord.js";
import { gateRestRequests } from "./request-gate.js";
import { loginFailure } from "./startup-errors.js";

export interface DiscordConnectionOptions {
  token: string;
  /** REST base without the version, e.g. https://discord.com/api (discord.js adds /v10). */
  apiUrl?: string;
  /** How long login waits for the gateway to be ready (default 60 s). */
  readyTimeoutMs?: number;
}

/**
 * Guild messages and their text (the privileged Message Content intent), direct messages, and reactions in both
 * (a ✋ or ❌ on the bot's reply stops its answer). None of the reaction intents is privileged.
 */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.DirectMessageReactions,
] as const;

/**
 * DMs arrive in channels the client has never seen, and reactions on messages it does not cache (it caches none):
 * these partials let discord.js create them from the event instead of dropping the event.
 */
export const DISCORD_PARTIALS = [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User] as const;

/**
 * Creating, editing and deleting messages: when discord.js sees such a call is limited, it rejects instead of
 * queueing, so the reply streamer learns of it (RateLimitedError) and pauses the channel's budget for everyone
 * streaming there. Reads (history) keep discord.js's own queueing.
 */
export function rejectMessageWrites(data: Pick<RateLimitData, "route" | "method">): boolean {
  const method = data.method.toUpperCase();
  const isWrite = method === "POST" || method === "PATCH" || method === "DELETE";
  // A /ask answer is written through the interaction's webhook (its reply and follow-ups).
  return isWrite && (data.route.startsWith("/channels/:id/messages") || data.route.startsWith("/webhooks/:id/:token"));
}

/**
 * Requests per second this process sends in all, in a sliding window (request-gate.ts): under Discord's 50,
 * leaving room for latency jitter and the interaction calls that pass outside it.
 */
export const DISCORD_CLIENT_GLOBAL_PER_SECOND = 45;

export function createDiscordClient(options: Pick<DiscordConnectionOptions, "apiUrl"> & { globalRequestsPerSecond?: number }): Client {
  const client = new Client({
    intents: [...DISCORD_INTENTS],
    partials: [...DISCORD_PARTIALS],
    rest: {
      ...(options.apiUrl ? { api: options.apiUrl.replace(/\/+$/, "") } : {}),
      rejectOnRateLimit: rejectMessageWrites,
      // discord.js would repeat a call that met a 5xx or a reset connection at once, up to 3 times: calls in the
      // channel's window that its budget never granted. The reply streamer tries writes again itself, each
      // through the budget and with backoff; reads (history) that fail are told to the user in one sentence.
      retries: 0,
    },
    // History is always read through REST (it must be current), so cached messages would only cost memory;
    // a replayed MESSAGE_CREATE then reaches us and the store's claim, not a stale cache, stops a second answer.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    // Mentions in our own replies never ping anyone, whatever the model writes.
    allowedMentions: { parse: [], repliedUser: false },
  });
  gateRestRequests(client, options.globalRequestsPerSecond ?? DISCORD_CLIENT_GLOBAL_PER_SECOND);
  return client;
}

/** Logs in and resolves once the gateway is ready; a bad token or an unreachable API ends in one clear sentence. */
export async function connect(client: Client, options: Pick<DiscordConnectionOptions, "token" | "readyTimeoutMs">): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    client.once(Events.ClientReady, () => resolve());
    timer = setTimeout(() => reject(new Error(`Discord did not become ready within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
  });
  try {
    await client.login(options.token);
    await ready;
  } catch (error) {
    await client.destroy().catch(() => undefined);
    throw loginFailure(error, client.rest.options.api);
  } finally {
    clearTimeout(timer);
  }
}
