import { randomUUID } from "node:crypto";
import KeyvRedis, { createClient } from "@keyv/redis";
import type { Logger } from "pino";
import { networkFailure } from "../startup/network-failure.js";
import { KeyvValues } from "./keyv-values.js";
import {
  checkCounterAdd,
  checkMember,
  checkMemberCount,
  checkRate,
  checkTtl,
  claimKey,
  counterKey,
  lockKey,
  memberCountsKey,
  queueKey,
  ratePauseKey,
  rateKey,
  workKey,
} from "./keys.js";
import type { StateStore } from "./types.js";

/** Take the lock if it is free or already ours (then extend it). */
const TRY_LOCK = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Compare-and-refresh: only the owner extends its lock. */
const REFRESH_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Compare-and-delete: only the owner releases its lock. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * One slot of a sliding window, or the wait for one. KEYS: the window (a sorted set of grant times) and its pause
 * (absolute end time). ARGV: calls, perMs, a unique member. Time is the Redis server's TIME, the one clock every
 * replica shares, so clock skew between replicas cannot stretch or shrink the window.
 */
const TAKE_RATE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local calls = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return math.ceil(paused - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
local n = redis.call('ZCARD', KEYS[1])
if n < calls then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per)
  return 0
end
local freeing = redis.call('ZRANGE', KEYS[1], n - calls, n - calls, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(freeing[2]) + per - now))`;

/** Pauses a window until server time + ARGV[1] ms, unless it is already paused for longer. */
const PAUSE_RATE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= now + ms then return 0 end
redis.call('SET', KEYS[1], string.format('%.3f', now + ms), 'PX', ms)
return 1`;

/**
 * Sets one member's count and sums the live ones, in one round trip. KEYS: a hash of member → "count:expiresAt"
 * (Redis server time, ms). ARGV: member, count (0 removes it), ttl ms. Expired members are dropped as it sums; the
 * hash itself expires once no member renews it.
 */
const REPORT_COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local count = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
if count > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:%.3f', count, now + ttl))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local sum = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local c, expires = string.match(entries[i + 1], '^(%d+):(.+)$')
  if c == nil or tonumber(expires) == nil or tonumber(expires) <= now then
    redis.call('HDEL', KEYS[1], entries[i])
  else
    sum = sum + tonumber(c)
  end
end
if count > 0 and redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return sum`;

type RedisClient = ReturnType<typeof createClient>;

/** Redis store for several replicas: keyv for values, the node-redis client for atomic SET NX / Lua / MULTI. */
export class RedisStore extends KeyvValues implements StateStore {
  readonly sharedBetweenProcesses = true;
  private closed = false;

  private constructor(private readonly client: RedisClient, logger: Logger) {
    super(new KeyvRedis(client, { throwOnErrors: true }), logger);
  }

  static async open(url: string, db: number, display: string, logger: Logger): Promise<RedisStore> {
    let connectedOnce = false;
    let lastErrorLog = 0;
    const client = createClient({
      url,
      database: db,
      // Fail fast while disconnected instead of queueing commands that would hang a chat reply.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5_000,
        // Give up on the first connection after a few tries (a wrong URL should stop start-up), retry forever later.
        reconnectStrategy: (retries: number, cause: Error) =>
          !connectedOnce && retries >= 2 ? cause : Math.min(100 * 2 ** retries, 3_000),
      },
    });
    client.on("error", (error: Error) => {
      // node-redis emits one error per failed reconnect attempt; log at most one every 10 s.
      if (!connectedOnce || Date.now() - lastErrorLog < 10_000) return;
      lastErrorLog = Date.now();
      logger.warn({ err: error, store: display }, "Redis store connection error");
    });
    try {
      await client.connect();
    } catch (error) {
      // networkFailure digs the socket's reason out of node-redis's wrappers (an AggregateError has no message).
      const reason = networkFailure(error) ?? ((error as Error).message || String(error));
      throw new Error(`Could not connect to the Redis store at ${display}: ${reason}`, { cause: error });
    }
    connectedOnce = true;
    return new RedisStore(client as RedisClient, logger);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.set(claimKey(key), "1", { condition: "NX", expiration: { type: "PX", value: checkTtl(ttlMs) } });
    return reply === "OK";
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.script(TRY_LOCK, lockKey(key), owner, String(checkTtl(ttlMs)))) === 1;
  }

  async refreshLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.script(REFRESH_LOCK, lockKey(key), owner, String(checkTtl(ttlMs)))) === 1;
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.script(UNLOCK, lockKey(key), owner);
  }

  async enqueue<T>(key: string, value: T, ttlMs: number): Promise<void> {
    const id = queueKey(key);
    await this.client.multi().rPush(id, JSON.stringify(value)).pExpire(id, checkTtl(ttlMs)).exec();
  }

  async dequeueAll<T>(key: string): Promise<T[]> {
    const id = queueKey(key);
    // MULTI makes read-and-delete one step: a value reaches exactly one caller.
    const [values] = (await this.client.multi().lRange(id, 0, -1).del(id).exec()) as unknown as [string[], number];
    return (values ?? []).map((text) => JSON.parse(text) as T);
  }

  async queueLength(key: string): Promise<number> {
    return this.client.lLen(queueKey(key));
  }

  async listQueues(): Promise<string[]> {
    return this.keysUnder(queueKey(""));
  }

  async putWork<T>(key: string, value: T, ttlMs: number): Promise<void> {
    await this.client.set(workKey(key), JSON.stringify(value), { expiration: { type: "PX", value: checkTtl(ttlMs) } });
  }

  async getWork<T>(key: string): Promise<T | undefined> {
    const text = await this.client.get(workKey(key));
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  async deleteWork(key: string): Promise<void> {
    await this.client.del(workKey(key));
  }

  async listWork(): Promise<string[]> {
    return this.keysUnder(workKey(""));
  }

  /** Every key starting with `prefix` (which holds no glob characters), less the prefix. SCAN never blocks Redis. */
  private async keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const batch of this.client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of batch) keys.push(String(key).slice(prefix.length));
    }
    return [...new Set(keys)];
  }

  async takeRateSlot(key: string, calls: number, perMs: number): Promise<number> {
    const rate = checkRate(calls, perMs);
    const reply = await this.client.eval(TAKE_RATE_SLOT, {
      keys: [rateKey(key), ratePauseKey(key)],
      arguments: [String(rate.calls), String(rate.perMs), randomUUID()],
    });
    return Number(reply);
  }

  async pauseRate(key: string, ms: number): Promise<void> {
    await this.client.eval(PAUSE_RATE, { keys: [ratePauseKey(key)], arguments: [String(checkTtl(ms))] });
  }

  async addToCounter(key: string, by: number, ttlMs: number): Promise<number> {
    const id = counterKey(key);
    const add = checkCounterAdd(by);
    const ttl = checkTtl(ttlMs);
    // INCRBY is atomic on its own; MULTI keeps the expiry with it.
    const [total] = (await this.client.multi().incrBy(id, add).pExpire(id, ttl).exec()) as unknown as [number, number];
    return Number(total);
  }

  async readCounter(key: string): Promise<number> {
    return Number((await this.client.get(counterKey(key))) ?? 0);
  }

  async reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number> {
    const reply = await this.client.eval(REPORT_COUNT, {
      keys: [memberCountsKey(key)],
      arguments: [checkMember(member), String(checkMemberCount(count)), String(checkTtl(ttlMs))],
    });
    return Number(reply);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.isOpen) await this.client.close();
  }

  // keyv-redis reconnects a closed client on its next call; a closed store must stay closed.
  override async get<T>(key: string): Promise<T | undefined> {
    this.assertOpen();
    return super.get<T>(key);
  }

  override async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.assertOpen();
    return super.set(key, value, ttlMs);
  }

  override async delete(key: string): Promise<void> {
    this.assertOpen();
    return super.delete(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("The Redis state store is closed.");
  }

  private async script(source: string, key: string, ...args: string[]): Promise<unknown> {
    return this.client.eval(source, { keys: [key], arguments: args });
  }
}
