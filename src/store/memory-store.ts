import type { Logger } from "pino";
import { KeyvValues } from "./keyv-values.js";
import { checkCounterAdd, checkTtl } from "./keys.js";
import { MemberCounts } from "./member-counts.js";
import { RateWindows } from "./rate-windows.js";
import type { StateStore } from "./types.js";

interface Lease {
  owner: string;
  expiresAt: number;
}

/**
 * In-process store for tests and single-process development. Atomicity comes from JavaScript running one
 * callback at a time: every check-and-set below happens without an await in between.
 */
export class MemoryStore extends KeyvValues implements StateStore {
  /** Only this process sees it: a rate kept here binds this process alone. */
  readonly sharedBetweenProcesses = false;
  private readonly leases = new Map<string, Lease>();
  private readonly queues = new Map<string, { values: string[]; expiresAt: number }>();
  private readonly rates = new RateWindows();
  private readonly work = new Map<string, { value: string; expiresAt: number }>();
  private readonly counters = new Map<string, { total: number; expiresAt: number }>();
  private readonly memberCounts = new MemberCounts();

  constructor(logger: Logger) {
    super(new Map(), logger);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.take(`claim:${key}`, "claimed", checkTtl(ttlMs), false);
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.take(`lock:${key}`, owner, checkTtl(ttlMs), true);
  }

  async refreshLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    const lease = this.live(`lock:${key}`);
    if (lease?.owner !== owner) return false;
    lease.expiresAt = Date.now() + ttl;
    return true;
  }

  async unlock(key: string, owner: string): Promise<void> {
    if (this.live(`lock:${key}`)?.owner === owner) this.leases.delete(`lock:${key}`);
  }

  async enqueue<T>(key: string, value: T, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs);
    const queue = this.liveQueue(key) ?? { values: [], expiresAt: 0 };
    // Stored as JSON so a consumer never shares an object with the producer, as with the real backends.
    queue.values.push(JSON.stringify(value));
    queue.expiresAt = Date.now() + ttl;
    this.queues.set(key, queue);
  }

  async dequeueAll<T>(key: string): Promise<T[]> {
    const queue = this.liveQueue(key);
    this.queues.delete(key);
    return (queue?.values ?? []).map((text) => JSON.parse(text) as T);
  }

  async queueLength(key: string): Promise<number> {
    return this.liveQueue(key)?.values.length ?? 0;
  }

  async listQueues(): Promise<string[]> {
    return [...this.queues.keys()].filter((key) => (this.liveQueue(key)?.values.length ?? 0) > 0);
  }

  async putWork<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.work.set(key, { value: JSON.stringify(value), expiresAt: Date.now() + checkTtl(ttlMs) });
  }

  async getWork<T>(key: string): Promise<T | undefined> {
    const record = this.liveWork(key);
    return record ? (JSON.parse(record.value) as T) : undefined;
  }

  async deleteWork(key: string): Promise<void> {
    this.work.delete(key);
  }

  async listWork(): Promise<string[]> {
    return [...this.work.keys()].filter((key) => this.liveWork(key) !== undefined);
  }

  async takeRateSlot(key: string, calls: number, perMs: number): Promise<number> {
    return this.rates.take(key, calls, perMs);
  }

  async pauseRate(key: string, ms: number): Promise<void> {
    this.rates.pause(key, ms);
  }

  async addToCounter(key: string, by: number, ttlMs: number): Promise<number> {
    const add = checkCounterAdd(by);
    const ttl = checkTtl(ttlMs);
    const total = this.liveCounter(key) + add;
    this.counters.set(key, { total, expiresAt: Date.now() + ttl });
    return total;
  }

  async readCounter(key: string): Promise<number> {
    return this.liveCounter(key);
  }

  async reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number> {
    return this.memberCounts.report(key, member, count, ttlMs);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.leases.clear();
    this.queues.clear();
    this.work.clear();
    this.counters.clear();
    this.rates.clear();
    this.memberCounts.clear();
    await this.keyv.disconnect();
  }

  private take(id: string, owner: string, ttl: number, reentrant: boolean): boolean {
    const lease = this.live(id);
    if (lease && !(reentrant && lease.owner === owner)) return false;
    this.leases.set(id, { owner, expiresAt: Date.now() + ttl });
    return true;
  }

  private live(id: string): Lease | undefined {
    const lease = this.leases.get(id);
    if (lease && lease.expiresAt <= Date.now()) {
      this.leases.delete(id);
      return undefined;
    }
    return lease;
  }

  private liveWork(key: string): { value: string; expiresAt: number } | undefined {
    const record = this.work.get(key);
    if (record && record.expiresAt <= Date.now()) {
      this.work.delete(key);
      return undefined;
    }
    return record;
  }

  private liveCounter(key: string): number {
    const counter = this.counters.get(key);
    if (!counter) return 0;
    if (counter.expiresAt > Date.now()) return counter.total;
    this.counters.delete(key);
    return 0;
  }

  private liveQueue(key: string): { values: string[]; expiresAt: number } | undefined {
    const queue = this.queues.get(key);
    if (queue && queue.expiresAt <= Date.now()) {
      this.queues.delete(key);
      return undefined;
    }
    return queue;
  }
}
