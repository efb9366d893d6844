/**
 * The SQLite store sweeps out what expired (values with a TTL, claims, locks, queued messages, rate slots): at
 * open, periodically, and on demand, counted in the real file through a second connection. Live rows stay, a
 * row that is not JSON does not break the sweep, and the file is set up to shrink (incremental auto-vacuum).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import pino from "pino";
import { afterEach, beforeEach, expect, test } from "vitest";
import { SqliteStore } from "../../src/store/sqlite-store.js";

const logger = pino({ level: "silent" });
const TABLES = ["threadpilot_kv", "threadpilot_leases", "threadpilot_queues", "threadpilot_rate_slots"] as const;
let dir = "";
let file = "";
let connection: KeyvSqlite | undefined;

/** A second connection to the same file (opened once the store made it): what is really in it, not what the store says. */
function inspector(): KeyvSqlite {
  connection ??= new KeyvSqlite({ uri: `sqlite://${file}`, table: "threadpilot_inspect", busyTimeout: 10_000 });
  return connection;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "threadpilot-sweep-"));
  file = join(dir, "state.sqlite");
});

afterEach(async () => {
  await connection?.disconnect();
  connection = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = (await inspector().query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: number }[];
    counts[table] = row!.n;
  }
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 4,000 short-lived rows, as answers leave them: reply and conversation values, claims, locks, queue items, rate slots. */
async function writeExpiring(store: SqliteStore, ttlMs: number, answers = 1_000): Promise<void> {
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < answers; i++) {
    writes.push(
      store.set(`slack:reply:C1:${i}.000`, "slack:T1:C1:1.000", ttlMs),
      store.set(`discord:conversation:${i}`, `discord:${i}`, ttlMs),
      store.claimOnce(`slack:handled:T1:C1:${i}`, ttlMs),
      i % 2 === 0 ? store.enqueue(`thread-${i}`, { text: `follow-up ${i}` }, ttlMs) : store.takeRateSlot(`budget-${i}`, 5, ttlMs),
    );
    if (writes.length >= 200) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

test("4,000 expired rows are gone from the file after a sweep; live rows and a non-JSON row stay", async () => {
  const store = await SqliteStore.open(file, logger);
  try {
    await store.set("live:forever", { keep: true });
    await store.set("live:long", "still here", 3_600_000);
    await store.claimOnce("live:claim", 3_600_000);
    await inspector().query("INSERT INTO threadpilot_kv(key, value) VALUES ('threadpilot:value:garbage', 'not json')");
    await writeExpiring(store, 1);
    await sleep(20);
    const before = await rowCounts();
    expect(Object.values(before).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4_000 + 4);

    const deleted = await store.sweepExpired();
    expect(deleted).toBe(4_000);
    expect(await rowCounts()).toEqual({ threadpilot_kv: 3, threadpilot_leases: 1, threadpilot_queues: 0, threadpilot_rate_slots: 0 });
    expect(await store.get("live:forever")).toEqual({ keep: true });
    expect(await store.get("live:long")).toBe("still here");
    expect(await store.claimOnce("live:claim", 1_000)).toBe(false);
  } finally {
    await store.close();
  }
});

test("what expired while the file was closed is swept when it is opened", async () => {
  const first = await SqliteStore.open(file, logger);
  await writeExpiring(first, 1, 100);
  await first.close();
  await sleep(20);
  expect((await rowCounts()).threadpilot_kv).toBe(200);
  await connection!.disconnect();
  connection = undefined;

  const second = await SqliteStore.open(file, logger);
  try {
    expect(await rowCounts()).toEqual({ threadpilot_kv: 0, threadpilot_leases: 0, threadpilot_queues: 0, threadpilot_rate_slots: 0 });
  } finally {
    await second.close();
  }
});

test("the store sweeps by itself, periodically, with nobody asking", async () => {
  const store = await SqliteStore.open(file, logger, { sweepEveryMs: 100 });
  try {
    await writeExpiring(store, 1, 100);
    const deadline = Date.now() + 20_000;
    let total = Infinity;
    while (Date.now() < deadline) {
      total = Object.values(await rowCounts()).reduce((a, b) => a + b, 0);
      if (total === 0) break;
      await sleep(50);
    }
    expect(total).toBe(0);
  } finally {
    await store.close();
  }
});

test("the file uses incremental auto-vacuum, and a sweep that frees most of it gives the space back", async () => {
  const store = await SqliteStore.open(file, logger);
  try {
    const [mode] = (await inspector().query("PRAGMA auto_vacuum")) as { auto_vacuum: number }[];
    expect(mode!.auto_vacuum).toBe(2); // INCREMENTAL
    const big = "x".repeat(10_000);
    for (let i = 0; i < 1_000; i += 250) {
      await Promise.all(Array.from({ length: 250 }, (_, j) => store.set(`slack:reply:C1:${i + j}`, big, 1)));
    }
    const pages = async () => ((await inspector().query("PRAGMA page_count")) as { page_count: number }[])[0]!.page_count;
    const grown = await pages();
    expect(grown).toBeGreaterThan(2_500); // ~10 MB of 4 KB pages
    await sleep(20);
    await store.sweepExpired();
    expect(await pages()).toBeLessThan(grown / 2);
  } finally {
    await store.close();
  }
});
