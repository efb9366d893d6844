/**
 * Child process for store-processes.test.ts: opens the store at argv[2], says "ready", waits for "go" on stdin
 * (so both processes race at once), then claims and locks every key several times concurrently and prints
 * which ones it won as one JSON line.
 */
import { createInterface } from "node:readline";
import pino from "pino";
import { openStore } from "../../src/store/open-store.js";

const [url = "", prefix = "", keyCountText = "20", owner = "worker"] = process.argv.slice(2);
const keyCount = Number(keyCountText);
const store = await openStore(url, pino({ level: "silent" }));
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === "go") break;

const keys = Array.from({ length: keyCount }, (_, i) => `${prefix}-${i}`);
// Five concurrent attempts per key from this process alone, against the other process's five.
const attempts = keys.flatMap((key) => Array.from({ length: 5 }, () => key));
const claims = await Promise.all(attempts.map(async (key) => ((await store.claimOnce(`claim-${key}`, 60_000)) ? key : null)));
const locks = await Promise.all(
  keys.map(async (key) => ((await store.tryLock(`lock-${key}`, owner, 60_000)) ? key : null)),
);
process.stdout.write(`${JSON.stringify({ claims: claims.filter(Boolean), locks: locks.filter(Boolean) })}\n`);
await store.close();
lines.close();
