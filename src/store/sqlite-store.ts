import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import type { Logger } from "pino";
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

const LEASES = "threadpilot_leases";
const QUEUES = "threadpilot_queues";
/** Records of work in progress (answers being written), one row per key. */
const WORK = "threadpilot_work";
/** One row per granted call of a rate window; pauses are leases (owner "paused") in LEASES. */
const RATE_SLOTS = "threadpilot_rate_slots";
/** Shared counters (usage of the day), one row per key. */
const COUNTERS = "threadpilot_counters";
/** Counts each replica reports of its own (answers streaming in a scope), one row per key and replica. */
const MEMBER_COUNTS = "threadpilot_member_counts";
/** The time in ms since the epoch, read by SQLite when the statement runs (the host's clock, like Date.now()). */
const SQL_NOW_MS = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";
const VALUES = "threadpilot_kv";
/** Expired rows are only skipped on read; sweep them out now and then so the file does not grow forever. */
const SWEEP_EVERY_MS = 60_000;
/** Rows one DELETE removes at most: the write lock is held for a few milliseconds, then answers get a turn. */
const SWEEP_BATCH = 2_000;
/** Free pages kept for reuse before the file is shrunk (4 MB of 4 KB pages): steady churn should not shrink it. */
const KEEP_FREE_PAGES = 1_024;

/**
 * Expired rows of each table, as one set-based condition. keyv keeps a value's expiry inside its JSON
 * (`{"value":…,"expires":ms}`); CASE guards json_extract so a row that is not JSON can never fail the sweep.
 */
const EXPIRED: ReadonlyArray<{ table: string; expired: string }> = [
  { table: VALUES, expired: "CASE WHEN json_valid(value) THEN json_extract(value, '$.expires') END <= ?" },
  { table: LEASES, expired: "expires_at <= ?" },
  { table: QUEUES, expired: "expires_at <= ?" },
  { table: WORK, expired: "expires_at <= ?" },
  { table: RATE_SLOTS, expired: "expires_at <= ?" },
  { table: COUNTERS, expired: "expires_at <= ?" },
  { table: MEMBER_COUNTS, expired: "expires_at <= ?" },
];

export interface SqliteStoreOptions {
  /**
   * How often expired rows are swept out (default every minute); they are also swept when the store opens.
   * 0 turns the timer off (the benchmark drives `sweepExpired` on its own clock).
   */
  sweepEveryMs?: number;
}

/**
 * SQLite file store. Claims, locks and queues are single SQL statements on the keyv-sqlite connection, so
 * they stay exclusive even between processes sharing the file (SQLite serialises writers; busy_timeout waits).
 */
export class SqliteStore extends KeyvValues implements StateStore {
  /** Every process opening the same file shares it (they run on one host, so they also share its clock). */
  readonly sharedBetweenProcesses = true;
  private sweeping: Promise<number> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly sweepEveryMs: number;

  private constructor(private readonly adapter: KeyvSqlite, logger: Logger, options: SqliteStoreOptions) {
    super(adapter, logger);
    this.sweepEveryMs = options.sweepEveryMs ?? SWEEP_EVERY_MS;
  }

  static async open(path: string, logger: Logger, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    try {
      if (path !== ":memory:") await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw new Error(`Could not create the directory for the SQLite store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, table: "threadpilot_kv", busyTimeout: 10_000 });
    // keyv-sqlite rejects its first query and also emits "error" when the file cannot be opened.
    adapter.on("error", () => undefined);
    const store = new SqliteStore(adapter, logger, options);
    try {
      if (path !== ":memory:") await adapter.query("PRAGMA journal_mode=WAL");
      await adapter.query(`CREATE TABLE IF NOT EXISTS ${LEASES}(key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
      await adapter.query(
        `CREATE TABLE IF NOT EXISTS ${QUEUES}(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
      );
      await adapter.query(`CREATE INDEX IF NOT EXISTS ${QUEUES}_by_key ON ${QUEUES}(key, seq)`);
      await adapter.query(`CREATE TABLE IF NOT EXISTS ${WORK}(key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
      await adapter.query(
        `CREATE TABLE IF NOT EXISTS ${RATE_SLOTS}(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
      );
      await adapter.query(`CREATE INDEX IF NOT EXISTS ${RATE_SLOTS}_by_key ON ${RATE_SLOTS}(key, at)`);
      await adapter.query(`CREATE TABLE IF NOT EXISTS ${COUNTERS}(key TEXT PRIMARY KEY, total INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
      await adapter.query(
        `CREATE TABLE IF NOT EXISTS ${MEMBER_COUNTS}(key TEXT NOT NULL, member TEXT NOT NULL, count INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY(key, member))`,
      );
    } catch (error) {
      await adapter.close().catch(() => undefined);
      throw new Error(`Could not open the SQLite store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    // What expired while no process had the file open goes now; then the file is made able to shrink.
    await store.sweepExpired().catch((error: unknown) => logger.warn({ err: error }, "sweeping expired SQLite store rows failed"));
    if (path !== ":memory:") await store.allowShrinking();
    if (store.sweepEveryMs <= 0) return store;
    // A timer, not a piggyback on store calls: values are written through keyv, which bypasses `query`.
    store.sweepTimer = setInterval(() => {
      void store.sweepExpired().catch((error: unknown) => logger.warn({ err: error }, "sweeping expired SQLite store rows failed"));
    }, store.sweepEveryMs);
    // The sweep never keeps the process alive, and the answers never wait for it.
    store.sweepTimer.unref();
    return store;
  }

  /**
   * Deletes every expired row (values, claims and locks, queued messages, rate slots) and gives free space back
   * to the file system when a lot of it has piled up. Each table is swept by one DELETE statement per batch of
   * SWEEP_BATCH rows, so a large backlog never holds SQLite's write lock for long. Returns the rows deleted.
   */
  async sweepExpired(): Promise<number> {
    // One sweep at a time per store: a slow one must not be overlapped by the next timer.
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    const now = Date.now();
    let deleted = 0;
    for (const { table, expired } of EXPIRED) {
      for (;;) {
        const rows = await this.adapter.query(
          `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${expired} LIMIT ${SWEEP_BATCH}) RETURNING 1 AS gone`,
          now,
        );
        deleted += (rows as unknown[]).length;
        if ((rows as unknown[]).length < SWEEP_BATCH) break;
        // Let queued statements (an answer's claim, a rate slot) run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await this.shrinkIfMostlyFree();
    return deleted;
  }

  /**
   * Incremental auto-vacuum lets a sweep hand free pages back to the file system without a full VACUUM (which
   * rewrites the whole file and blocks every writer). The mode can only change through one VACUUM; it runs
   * once per file, at open, right after the sweep, when the file holds only live rows. If another process
   * holds the file, it is tried again at the next open: the sweep alone already stops the growth (SQLite reuses
   * freed pages), the vacuum mode only lets the file shrink after a burst.
   */
  private async allowShrinking(): Promise<void> {
    try {
      const [mode] = (await this.adapter.query("PRAGMA auto_vacuum")) as { auto_vacuum: number }[];
      if (mode?.auto_vacuum === 2) return;
      await this.adapter.query("PRAGMA auto_vacuum = INCREMENTAL");
      await this.adapter.query("VACUUM");
    } catch (error) {
      this.logger.warn({ err: error }, "could not switch the SQLite store to incremental vacuum; will retry at next start");
    }
  }

  /** Gives free pages back once they are many and a large part of the file; a few are kept for reuse. */
  private async shrinkIfMostlyFree(): Promise<void> {
    const [free] = (await this.adapter.query("PRAGMA freelist_count")) as { freelist_count: number }[];
    const [pages] = (await this.adapter.query("PRAGMA page_count")) as { page_count: number }[];
    const freePages = free?.freelist_count ?? 0;
    if (freePages <= KEEP_FREE_PAGES || freePages * 4 < (pages?.page_count ?? 0)) return;
    await this.adapter.query(`PRAGMA incremental_vacuum(${freePages - KEEP_FREE_PAGES})`);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.lease(claimKey(key), "claimed", checkTtl(ttlMs), false);
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.lease(lockKey(key), owner, checkTtl(ttlMs), true);
  }

  async refreshLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const rows = await this.query(
      `UPDATE ${LEASES} SET expires_at = ? WHERE key = ? AND owner = ? AND expires_at > ? RETURNING key`,
      now + checkTtl(ttlMs), lockKey(key), owner, now,
    );
    return rows.length === 1;
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.query(`DELETE FROM ${LEASES} WHERE key = ? AND owner = ?`, lockKey(key), owner);
  }

  async enqueue<T>(key: string, value: T, ttlMs: number): Promise<void> {
    await this.query(
      `INSERT INTO ${QUEUES}(key, value, expires_at) VALUES (?, ?, ?)`,
      queueKey(key), JSON.stringify(value), Date.now() + checkTtl(ttlMs),
    );
  }

  async dequeueAll<T>(key: string): Promise<T[]> {
    // One DELETE ... RETURNING: a row goes to exactly one caller, whichever process it runs in.
    const rows = (await this.query(`DELETE FROM ${QUEUES} WHERE key = ? RETURNING seq, value, expires_at`, queueKey(key))) as {
      seq: number;
      value: string;
      expires_at: number;
    }[];
    const now = Date.now();
    return rows
      .filter((row) => row.expires_at > now)
      .sort((a, b) => a.seq - b.seq)
      .map((row) => JSON.parse(row.value) as T);
  }

  async queueLength(key: string): Promise<number> {
    const rows = (await this.query(`SELECT COUNT(*) AS n FROM ${QUEUES} WHERE key = ? AND expires_at > ?`, queueKey(key), Date.now())) as {
      n: number;
    }[];
    return rows[0]?.n ?? 0;
  }

  async listQueues(): Promise<string[]> {
    const prefix = queueKey("");
    const rows = (await this.query(
      `SELECT DISTINCT key FROM ${QUEUES} WHERE substr(key, 1, ?) = ? AND expires_at > ?`,
      prefix.length, prefix, Date.now(),
    )) as { key: string }[];
    return rows.map((row) => row.key.slice(prefix.length));
  }

  async putWork<T>(key: string, value: T, ttlMs: number): Promise<void> {
    await this.query(
      `INSERT INTO ${WORK}(key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      workKey(key), JSON.stringify(value), Date.now() + checkTtl(ttlMs),
    );
  }

  async getWork<T>(key: string): Promise<T | undefined> {
    const [row] = (await this.query(`SELECT value FROM ${WORK} WHERE key = ? AND expires_at > ?`, workKey(key), Date.now())) as {
      value: string;
    }[];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async deleteWork(key: string): Promise<void> {
    await this.query(`DELETE FROM ${WORK} WHERE key = ?`, workKey(key));
  }

  async listWork(): Promise<string[]> {
    const prefix = workKey("");
    const rows = (await this.query(`SELECT key FROM ${WORK} WHERE expires_at > ?`, Date.now())) as { key: string }[];
    return rows.map((row) => row.key.slice(prefix.length));
  }

  async takeRateSlot(key: string, calls: number, perMs: number): Promise<number> {
    const rate = checkRate(calls, perMs);
    const window = rateKey(key);
    const pause = ratePauseKey(key);
    // One statement, so one write transaction: the count and the insert cannot interleave with another
    // process's (SQLite serialises writers). Its time is read when it runs, not when it was queued, so a
    // statement that waited for the write lock records when it really took the slot.
    const [row] = (await this.query(
      `WITH clock(now) AS (SELECT ${SQL_NOW_MS}),
       taken AS (SELECT now FROM clock
         WHERE (SELECT COUNT(*) FROM ${RATE_SLOTS} WHERE key = ? AND at > now - ?) < ?
           AND NOT EXISTS (SELECT 1 FROM ${LEASES} WHERE key = ? AND expires_at > now))
       INSERT INTO ${RATE_SLOTS}(key, at, expires_at)
       SELECT ?, now, now + ? FROM taken
       RETURNING at`,
      window, rate.perMs, rate.calls, pause, window, rate.perMs,
    )) as { at: number }[];
    if (row) return 0;
    // Refused: how long until a slot may free. Only advisory, so separate reads are fine.
    const now = Date.now();
    const [paused] = (await this.query(`SELECT expires_at FROM ${LEASES} WHERE key = ? AND expires_at > ?`, pause, now)) as {
      expires_at: number;
    }[];
    if (paused) return Math.max(1, paused.expires_at - now);
    const newest = (await this.query(
      `SELECT at FROM ${RATE_SLOTS} WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?`,
      window, now - rate.perMs, rate.calls,
    )) as { at: number }[];
    const freeing = newest.length >= rate.calls ? newest[newest.length - 1]!.at : now;
    return Math.max(1, freeing + rate.perMs - now);
  }

  async pauseRate(key: string, ms: number): Promise<void> {
    await this.query(
      `INSERT INTO ${LEASES}(key, owner, expires_at) VALUES (?, 'paused', ?)
       ON CONFLICT(key) DO UPDATE SET expires_at = MAX(${LEASES}.expires_at, excluded.expires_at)`,
      ratePauseKey(key), Date.now() + checkTtl(ms),
    );
  }

  async addToCounter(key: string, by: number, ttlMs: number): Promise<number> {
    const now = Date.now();
    // One upsert, so one write transaction: two processes' adds both land. An expired row starts again from 0.
    const [row] = (await this.query(
      `INSERT INTO ${COUNTERS}(key, total, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET
         total = CASE WHEN ${COUNTERS}.expires_at <= ? THEN excluded.total ELSE ${COUNTERS}.total + excluded.total END,
         expires_at = excluded.expires_at
       RETURNING total`,
      counterKey(key), checkCounterAdd(by), now + checkTtl(ttlMs), now,
    )) as { total: number }[];
    return Number(row?.total ?? 0);
  }

  async readCounter(key: string): Promise<number> {
    const [row] = (await this.query(`SELECT total FROM ${COUNTERS} WHERE key = ? AND expires_at > ?`, counterKey(key), Date.now())) as {
      total: number;
    }[];
    return Number(row?.total ?? 0);
  }

  async reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number> {
    const id = memberCountsKey(key);
    checkMember(member);
    const n = checkMemberCount(count);
    const ttl = checkTtl(ttlMs);
    const now = Date.now();
    // The write is one statement (atomic between processes); the sum after it is a snapshot, which is all a
    // reader of the count needs (it is refreshed again soon).
    if (n > 0) {
      await this.query(
        `INSERT INTO ${MEMBER_COUNTS}(key, member, count, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(key, member) DO UPDATE SET count = excluded.count, expires_at = excluded.expires_at`,
        id, member, n, now + ttl,
      );
    } else {
      await this.query(`DELETE FROM ${MEMBER_COUNTS} WHERE key = ? AND member = ?`, id, member);
    }
    const [row] = (await this.query(`SELECT COALESCE(SUM(count), 0) AS total FROM ${MEMBER_COUNTS} WHERE key = ? AND expires_at > ?`, id, now)) as {
      total: number;
    }[];
    return Number(row?.total ?? 0);
  }

  async ping(): Promise<boolean> {
    try {
      await this.adapter.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping?.catch(() => undefined);
    await this.keyv.disconnect();
  }

  /**
   * Insert the lease, or take over a row that has expired (or that `owner` already holds, when reentrant),
   * in one statement: RETURNING yields a row only when this call wrote it.
   */
  private async lease(id: string, owner: string, ttl: number, reentrant: boolean): Promise<boolean> {
    const now = Date.now();
    const condition = reentrant ? `${LEASES}.expires_at <= ? OR ${LEASES}.owner = excluded.owner` : `${LEASES}.expires_at <= ?`;
    const rows = await this.query(
      `INSERT INTO ${LEASES}(key, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE ${condition}
       RETURNING key`,
      id, owner, now + ttl, now,
    );
    return rows.length === 1;
  }

  private async query(sql: string, ...parameters: unknown[]): Promise<unknown[]> {
    return (await this.adapter.query(sql, ...parameters)) as unknown[];
  }
}
