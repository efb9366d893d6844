/**
 * Display names of Slack users and bots, looked up once and cached: a thread of 200 messages by 3 people costs 3
 * `users.info` calls, and concurrent lookups of one id share a single call.
 */
import type { Logger } from "pino";
import type { webApi } from "@slack/bolt";

type WebClient = webApi.WebClient;

export type DirectoryApi = Pick<WebClient, "users" | "bots">;

export interface UserDirectoryOptions {
  ttlMs?: number;
  /** A failed lookup is retried after this long; meanwhile the id stands in for the name. */
  failureTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  name: Promise<string>;
  expires: number;
}

export class UserDirectory {
  private readonly users = new Map<string, Entry>();
  private readonly bots = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly api: DirectoryApi,
    private readonly logger: Logger,
    options: UserDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60 * 60_000;
    this.failureTtlMs = options.failureTtlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The name people see: display name, else real name, else the handle, else the id. */
  userName(userId: string): Promise<string> {
    return this.cached(this.users, userId, async () => {
      const { user } = await this.api.users.info({ user: userId });
      const profile = user?.profile;
      return profile?.display_name || profile?.real_name || user?.real_name || user?.name || userId;
    });
  }

  /** The name of a bot by its `bot_id` (for messages that carry no user). */
  botName(botId: string): Promise<string> {
    return this.cached(this.bots, botId, async () => {
      const { bot } = await this.api.bots.info({ bot: botId });
      return bot?.name || botId;
    });
  }

  private cached(map: Map<string, Entry>, id: string, lookup: () => Promise<string>): Promise<string> {
    const now = this.now();
    const hit = map.get(id);
    if (hit && hit.expires > now) return hit.name;
    if (map.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    const entry: Entry = { name: Promise.resolve(id), expires: now + this.ttlMs };
    entry.name = lookup().catch((error: unknown) => {
      this.logger.warn({ id, err: errorCode(error) }, "Slack name lookup failed; using the id instead");
      entry.expires = this.now() + this.failureTtlMs;
      return id;
    });
    map.delete(id);
    map.set(id, entry);
    return entry.name;
  }
}

function errorCode(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? (error instanceof Error ? error.message : String(error));
}
