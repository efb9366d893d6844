/**
 * How big the SQLite store's file gets after N answers' worth of keys, with and without the sweep of expired rows.
 *
 *   npx tsx bench/sqlite-sweep.ts [answers=10000]
 *
 * Each simulated answer writes what a Slack answer writes today (src/adapters/slack/slack-adapter.ts, core):
 * the "handled" claim (1 day), the thread's "followed" value (7 days), the thread lock (taken, refreshed,
 * released), one queued message (enqueued, then drained), ~9 rate-window slots (chat.update and chat.postMessage
 * budgets), and the `slack:reply:*` value of each posted message (7 days; every fifth answer needs two messages).
 * Answers arrive every 10 simulated minutes (10,000 answers ≈ 70 days), so each key outlives ~1,000 later
 * answers. Time is simulated by replacing Date.now (the store and keyv read it); the sweep runs every simulated
 * minute, as the store's timer would. `PRAGMA synchronous=OFF` on the bench's connection only skips fsyncs, to
 * keep the run short; it changes nothing about the file's size.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type KeyvSqlite from "@keyv/sqlite";
import pino from "pino";
import { SqliteStore } from "../src/store/sqlite-store.js";

const ANSWERS = Number(process.argv[2] ?? 10_000);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ANSWER_EVERY_MS = 10 * MINUTE;
const SWEEP_EVERY_MS = MINUTE;

const realNow = Date.now.bind(Date);
let simulated = realNow();
Date.now = () => simulated;

interface Sample {
  answers: number;
  bytes: number;
  rows: number;
}

async function run(sweep: boolean): Promise<Sample[]> {
  const dir = mkdtempSync(join(tmpdir(), "threadpilot-sweep-bench-"));
  const file = join(dir, "state.sqlite");
  simulated = realNow();
  const store = await SqliteStore.open(file, pino({ level: "silent" }), { sweepEveryMs: 0 });
  const adapter = (store as unknown as { adapter: KeyvSqlite }).adapter;
  await adapter.query("PRAGMA synchronous=OFF");
  const samples: Sample[] = [];
  let nextSweep = simulated + SWEEP_EVERY_MS;
  try {
    for (let i = 0; i < ANSWERS; i++) {
      simulated += ANSWER_EVERY_MS;
      if (sweep) {
        // The sweeps that a real minute-timer would have run since the last answer collapse into one.
        if (simulated >= nextSweep) {
          await store.sweepExpired();
          nextSweep = simulated + SWEEP_EVERY_MS;
        }
      }
      await oneAnswer(store, i);
      if ((i + 1) % (ANSWERS / 4) === 0) samples.push(await measure(adapter, file, i + 1));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

async function oneAnswer(store: SqliteStore, i: number): Promise<void> {
  const thread = `slack:T1:C1:${1_700_000_000 + i}.000100`;
  await store.claimOnce(`slack:handled:T1:C1:${1_700_000_000 + i}.000100`, DAY);
  await store.set(`slack:followed:T1:C1:${1_700_000_000 + i}.000100`, true, 7 * DAY);
  await store.enqueue(thread, { user: "U1", text: `question ${i}`, ts: `${i}` }, 15 * MINUTE);
  await store.tryLock(thread, "replica-1", 30_000);
  await store.dequeueAll(thread);
  for (let edit = 0; edit < 8; edit++) await store.takeRateSlot("slack:T1:chat.update", 50, MINUTE);
  await store.takeRateSlot("slack:T1:C1:chat.postMessage", 60, MINUTE);
  await store.refreshLock(thread, "replica-1", 30_000);
  const messages = i % 5 === 0 ? 2 : 1;
  for (let m = 0; m < messages; m++) await store.set(`slack:reply:C1:${1_700_000_000 + i}.00${m + 2}00`, thread, 7 * DAY);
  await store.unlock(thread, "replica-1");
}

async function measure(adapter: KeyvSqlite, file: string, answers: number): Promise<Sample> {
  // Move the write-ahead log into the file, so its size on disk is the store's whole size.
  await adapter.query("PRAGMA wal_checkpoint(TRUNCATE)");
  let bytes = statSync(file).size;
  if (existsSync(`${file}-wal`)) bytes += statSync(`${file}-wal`).size;
  let rows = 0;
  for (const table of ["threadpilot_kv", "threadpilot_leases", "threadpilot_queues", "threadpilot_rate_slots"]) {
    const [row] = (await adapter.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: number }[];
    rows += row!.n;
  }
  return { answers, bytes, rows };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const started = realNow();
const without = await run(false);
const withSweep = await run(true);
console.log(`SQLite store size after N simulated answers (one every 10 simulated minutes; keys live 1-7 days)\n`);
console.log("| answers | no sweep: file | no sweep: rows | sweep: file | sweep: rows |");
console.log("|--------:|---------------:|---------------:|------------:|------------:|");
for (let k = 0; k < without.length; k++) {
  const a = without[k]!;
  const b = withSweep[k]!;
  console.log(`| ${a.answers} | ${mb(a.bytes)} | ${a.rows} | ${mb(b.bytes)} | ${b.rows} |`);
}
console.log(`\n(ran in ${((realNow() - started) / 1000).toFixed(0)} s)`);
