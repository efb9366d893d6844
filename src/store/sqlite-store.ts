import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import type { Logger } from "pino";
import { KeyvValues } from "./keyv-values.js";
import { checkTtl, claimKey, lockKey, queueKey } from "./keys.js";
import type { StateStoreWithQueues } from "./types.js";

const LEASES = "threadpilot_leases";
const QUEUES = "threadpilot_queues";
/** Expired rows are only skipped on read; sweep them out now and then so the file does not grow forever. */
const SWEEP_EVERY_MS = 60_000;

/**
 * SQLite file store. Claims, locks and queues are single SQL statements on the keyv-sqlite connection, so
 * they stay exclusive even between processes sharing the file (SQLite serialises writers; busy_timeout waits).
 */
export class SqliteStore extends KeyvValues implements StateStoreWithQueues {
  private lastSweep = 0;

  private constructor(private readonly adapter: KeyvSqlite, logger: Logger) {
    super(adapter, logger);
  }

  static async open(path: string, logger: Logger): Promise<SqliteStore> {
    try {
      if (path !== ":memory:") await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw new Error(`Could not create the directory for the SQLite store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, table: "threadpilot_kv", busyTimeout: 10_000 });
    // keyv-sqlite rejects its first query and also emits "error" when the file cannot be opened.
    adapter.on("error", () => undefined);
    const store = new SqliteStore(adapter, logger);
    try {
      if (path !== ":memory:") await adapter.query("PRAGMA journal_mode=WAL");
      await adapter.query(`CREATE TABLE IF NOT EXISTS ${LEASES}(key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
      await adapter.query(
        `CREATE TABLE IF NOT EXISTS ${QUEUES}(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
      );
      await adapter.query(`CREATE INDEX IF NOT EXISTS ${QUEUES}_by_key ON ${QUEUES}(key, seq)`);
    } catch (error) {
      await adapter.close().catch(() => undefined);
      throw new Error(`Could not open the SQLite store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    return store;
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

  async ping(): Promise<boolean> {
    try {
      await this.adapter.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
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
    const rows = (await this.adapter.query(sql, ...parameters)) as unknown[];
    this.sweepSometimes();
    return rows;
  }

  private sweepSometimes(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    void Promise.all([
      this.adapter.query(`DELETE FROM ${LEASES} WHERE expires_at <= ?`, now),
      this.adapter.query(`DELETE FROM ${QUEUES} WHERE expires_at <= ?`, now),
    ]).catch((error: unknown) => this.logger.warn({ err: error }, "sweeping expired SQLite store rows failed"));
  }
}
