/**
 * One contract, three backends: memory, SQLite (temp file) and Redis (a private redis-server).
 * Expiry is checked by polling until the backend frees the key, never by asserting how long that took.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@keyv/redis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

const logger = pino({ level: "silent" });
const LONG = 60_000;

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

type Store = StateStore;

interface Backend {
  /** Opens one store on the backend; calling it twice gives two instances sharing the same data. */
  open(): Promise<Store>;
  shared: boolean;
  /** Every raw key in the backend, where the test can list them. */
  keys?: () => Promise<string[]>;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
}

function contract(name: string, backend: Backend, skip = false): void {
  describe.skipIf(skip)(`${name} store contract`, () => {
    let store: Store;
    let other: Store;
    const key = (label: string): string => `${label}-${randomUUID()}`;

    beforeAll(async () => {
      await backend.setUp();
      store = await backend.open();
      other = backend.shared ? await backend.open() : store;
    });
    afterAll(async () => {
      if (other !== store) await other?.close();
      await store?.close();
      await backend.tearDown();
    });

    it("answers ping", async () => {
      expect(await store.ping()).toBe(true);
    });

    it("claimOnce gives true to exactly one of 50 concurrent callers", async () => {
      const event = key("event");
      const results = await Promise.all(Array.from({ length: 50 }, () => store.claimOnce(event, LONG)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claimOnce(event, LONG)).toBe(false);
    });

    it.skipIf(!backend.shared)("claimOnce is exclusive across two store instances", async () => {
      for (let round = 0; round < 5; round += 1) {
        const event = key("event");
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : other).claimOnce(event, LONG)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });

    it("a claim expires after its TTL and can be claimed again", async () => {
      const event = key("event");
      expect(await store.claimOnce(event, 80)).toBe(true);
      await eventually(() => other.claimOnce(event, LONG), "expired claim reclaimed");
      expect(await store.claimOnce(event, LONG)).toBe(false);
    });

    it("a lock excludes other owners, admits its owner again, and refreshes only for its owner", async () => {
      const lock = key("lock");
      expect(await store.tryLock(lock, "a", LONG)).toBe(true);
      expect(await other.tryLock(lock, "b", LONG)).toBe(false);
      expect(await store.tryLock(lock, "a", LONG)).toBe(true);
      expect(await other.refreshLock(lock, "b", LONG)).toBe(false);
      expect(await store.refreshLock(lock, "a", LONG)).toBe(true);
    });

    it("only the owner can unlock", async () => {
      const lock = key("lock");
      expect(await store.tryLock(lock, "a", LONG)).toBe(true);
      await other.unlock(lock, "b");
      expect(await other.tryLock(lock, "b", LONG)).toBe(false);
      await store.unlock(lock, "a");
      expect(await other.tryLock(lock, "b", LONG)).toBe(true);
      expect(await store.refreshLock(lock, "a", LONG)).toBe(false);
    });

    it("of 50 owners racing for one lock exactly one wins", async () => {
      const lock = key("lock");
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : other).tryLock(lock, `owner-${i}`, LONG)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("an expired lock (a crashed owner's) frees itself, and the old owner can no longer refresh it", async () => {
      const lock = key("lock");
      expect(await store.tryLock(lock, "crashed", 80)).toBe(true);
      await eventually(() => other.tryLock(lock, "survivor", LONG), "expired lock taken over");
      expect(await store.refreshLock(lock, "crashed", LONG)).toBe(false);
      await store.unlock(lock, "crashed");
      expect(await store.tryLock(lock, "third", LONG)).toBe(false);
    });

    it("gets, sets and deletes JSON values", async () => {
      const k = key("value");
      expect(await store.get(k)).toBeUndefined();
      await store.set(k, { text: "hello", n: 3, list: [1, 2] });
      expect(await other.get(k)).toEqual({ text: "hello", n: 3, list: [1, 2] });
      await store.set(k, "replaced", LONG);
      expect(await other.get(k)).toBe("replaced");
      await other.delete(k);
      expect(await store.get(k)).toBeUndefined();
      await store.delete(k);
    });

    it("drops a value after its TTL", async () => {
      const k = key("value");
      const kept = key("kept");
      // Long enough to read it back even on a loaded machine, short enough to watch it go.
      await store.set(k, 1, 1_500);
      await store.set(kept, 2);
      expect(await store.get(k)).toBe(1);
      await eventually(async () => (await other.get(k)) === undefined, "value expired");
      expect(await store.get(kept)).toBe(2);
    });

    it("queues values in order and hands them out once", async () => {
      const q = key("queue");
      expect(await store.dequeueAll(q)).toEqual([]);
      await store.enqueue(q, { n: 1 }, LONG);
      await other.enqueue(q, { n: 2 }, LONG);
      await store.enqueue(q, { n: 3 }, LONG);
      expect(await other.queueLength(q)).toBe(3);
      expect(await other.dequeueAll(q)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(await store.dequeueAll(q)).toEqual([]);
      expect(await store.queueLength(q)).toBe(0);
    });

    it("never hands one queued value to two concurrent consumers", async () => {
      const q = key("queue");
      const taken: number[] = [];
      const producers = Array.from({ length: 40 }, (_, n) => (n % 2 ? store : other).enqueue(q, n, LONG));
      const consumers = Array.from({ length: 10 }, async (_, i) => {
        taken.push(...(await (i % 2 ? store : other).dequeueAll<number>(q)));
      });
      await Promise.all([...producers, ...consumers]);
      taken.push(...(await store.dequeueAll<number>(q)));
      expect([...taken].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    });

    it("drops queued values after their TTL", async () => {
      const q = key("queue");
      await store.enqueue(q, "old", 80);
      await eventually(async () => (await other.queueLength(q)) === 0, "queue expired");
      expect(await store.dequeueAll(q)).toEqual([]);
    });

    it("lists the queues that hold values, by the keys they were given", async () => {
      const full = key("queue:thread:a*b?[c]");
      const emptied = key("queue:thread");
      await store.enqueue(full, 1, LONG);
      await store.enqueue(emptied, 2, LONG);
      await other.dequeueAll(emptied);
      const listed = await other.listQueues();
      expect(listed).toContain(full);
      expect(listed).not.toContain(emptied);
    });

    it("keeps a work record until it is deleted, replaces it, and lists it on every instance", async () => {
      const w = key("work:slack:T1:C1:1700000000.000100");
      expect(await store.getWork(w)).toBeUndefined();
      await store.putWork(w, { items: [{ ts: "1" }], replies: [] }, LONG);
      await other.putWork(w, { items: [{ ts: "1" }], replies: ["9"] }, LONG);
      expect(await store.getWork(w)).toEqual({ items: [{ ts: "1" }], replies: ["9"] });
      expect(await other.listWork()).toContain(w);
      await other.deleteWork(w);
      expect(await store.getWork(w)).toBeUndefined();
      expect(await store.listWork()).not.toContain(w);
    });

    it("drops a work record after its TTL, from reads and from the list", async () => {
      const w = key("work");
      await store.putWork(w, "unfinished", 80);
      await eventually(async () => (await other.getWork(w)) === undefined, "work record expired");
      expect(await store.listWork()).not.toContain(w);
    });

    it("adds to a counter from two instances at once without losing an add, and reads 0 for a new one", async () => {
      const c = key("counter:slack:T1:2026-11-26");
      expect(await store.readCounter(c)).toBe(0);
      const adds = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : other).addToCounter(c, i + 1, LONG));
      const totals = await Promise.all(adds);
      expect(await other.readCounter(c)).toBe((50 * 51) / 2);
      // Each add saw its own total: all different, the largest being the sum.
      expect(new Set(totals).size).toBe(50);
      expect(Math.max(...totals)).toBe((50 * 51) / 2);
      expect(await store.addToCounter(c, 0, LONG)).toBe((50 * 51) / 2);
    });

    it("drops a counter after its TTL; adding then starts again from 0", async () => {
      const c = key("counter");
      await store.addToCounter(c, 7, 80);
      await eventually(async () => (await other.readCounter(c)) === 0, "counter expired");
      expect(await other.addToCounter(c, 2, LONG)).toBe(2);
    });

    it("rejects a counter add that is negative or not whole with a clear error", async () => {
      await expect(store.addToCounter(key("counter"), -1, LONG)).rejects.toThrow(/whole number of at least 0/);
      await expect(store.addToCounter(key("counter"), 1.5, LONG)).rejects.toThrow(/whole number of at least 0/);
    });

    it("sums the counts every instance reports under a key; a report replaces the member's last, 0 removes it", async () => {
      const scope = key("answers:slack:T1:chat.update");
      expect(await store.reportCount(scope, "replica-a", 3, LONG)).toBe(3);
      expect(await other.reportCount(scope, "replica-b", 4, LONG)).toBe(7);
      expect(await store.reportCount(scope, "replica-a", 1, LONG)).toBe(5);
      // Another key has its own members.
      expect(await other.reportCount(key("answers"), "replica-b", 2, LONG)).toBe(2);
      expect(await other.reportCount(scope, "replica-b", 0, LONG)).toBe(1);
      expect(await other.reportCount(scope, "replica-c", 0, LONG)).toBe(1);
      expect(await store.reportCount(scope, "replica-a", 0, LONG)).toBe(0);
    });

    it("sums 50 concurrent reports of different members from two instances without losing one", async () => {
      const scope = key("answers");
      await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).reportCount(scope, `replica-${i}`, i + 1, LONG)));
      expect(await other.reportCount(scope, "reader", 0, LONG)).toBe((50 * 51) / 2);
    });

    it("a member that stops reporting (a crashed replica) stops counting once its TTL ran out", async () => {
      const scope = key("answers");
      await store.reportCount(scope, "crashed", 5, 150);
      expect(await other.reportCount(scope, "alive", 2, LONG)).toBe(7);
      await eventually(async () => (await other.reportCount(scope, "alive", 2, LONG)) === 2, "the crashed replica's count expired");
    });

    it("rejects a reported count that is negative or not whole, or has no member, with a clear error", async () => {
      await expect(store.reportCount(key("answers"), "r", -1, LONG)).rejects.toThrow(/whole number of at least 0/);
      await expect(store.reportCount(key("answers"), "r", 1.5, LONG)).rejects.toThrow(/whole number of at least 0/);
      await expect(store.reportCount(key("answers"), "", 1, LONG)).rejects.toThrow(/name of the replica/);
      await expect(store.reportCount(key("answers"), "r", 1, 0)).rejects.toThrow(/positive number of milliseconds/);
    });

    it("says whether other processes share it", () => {
      expect(store.sharedBetweenProcesses).toBe(backend.shared);
    });

    it("takeRateSlot grants `calls` slots, then tells how long until the window frees one", async () => {
      const scope = key("rate");
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await (i % 2 ? other : store).takeRateSlot(scope, 3, LONG));
      expect(results.slice(0, 3)).toEqual([0, 0, 0]);
      expect(results[3]).toBeGreaterThan(0);
      expect(results[3]).toBeLessThanOrEqual(LONG);
      // Another scope has its own window.
      expect(await store.takeRateSlot(key("rate"), 3, LONG)).toBe(0);
    });

    it("a full window frees a slot once its oldest grant is `perMs` old", async () => {
      const scope = key("rate");
      expect(await store.takeRateSlot(scope, 1, 300)).toBe(0);
      const wait = await other.takeRateSlot(scope, 1, 300);
      expect(wait).toBeGreaterThan(0);
      await eventually(async () => (await other.takeRateSlot(scope, 1, 300)) === 0, "a slot freed");
      expect(await store.takeRateSlot(scope, 1, 300)).toBeGreaterThan(0);
    });

    it("never grants more than `calls` in any `perMs` window to 50 concurrent takers on two instances", async () => {
      const scope = key("rate");
      const calls = 5;
      const perMs = 400;
      // Each grant happened somewhere between sending the call and reading its answer.
      const granted: Array<{ sent: number; answered: number }> = [];
      let refusals = 0;
      // Each taker keeps asking (sleeping the wait it was told) until it got a slot, as a budget does.
      const taker = async (i: number) => {
        const on = i % 2 === 0 ? store : other;
        for (;;) {
          const sent = Date.now();
          const wait = await on.takeRateSlot(scope, calls, perMs);
          if (wait === 0) {
            granted.push({ sent, answered: Date.now() });
            return;
          }
          refusals++;
          expect(wait).toBeLessThanOrEqual(perMs);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, i) => taker(i)));
      expect(granted).toHaveLength(50);
      expect(refusals).toBeGreaterThan(0);
      // calls + 1 grants that could not have been a window apart, however the machine delayed the answers,
      // would prove an over-grant: the latest answer minus the earliest send of any such group must reach perMs.
      granted.sort((a, b) => a.sent - b.sent);
      for (let i = 0; i + calls < granted.length; i++) {
        const group = granted.slice(i, i + calls + 1);
        const spread = Math.max(...group.map((g) => g.answered)) - Math.min(...group.map((g) => g.sent));
        expect(spread).toBeGreaterThanOrEqual(perMs);
      }
      // And the window was used, not starved: 50 grants at 5 per 400 ms need about 10 windows, not 50.
      expect(granted[granted.length - 1]!.answered - granted[0]!.sent).toBeLessThan(50 * perMs);
    });

    it("a pause holds the window for every instance until it ends, and only ever lengthens", async () => {
      const scope = key("rate");
      await store.pauseRate(scope, 1_500);
      const wait = await other.takeRateSlot(scope, 10, LONG);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1_500);
      await other.pauseRate(scope, 10);
      expect(await store.takeRateSlot(scope, 10, LONG)).toBeGreaterThan(10);
      await eventually(async () => (await store.takeRateSlot(scope, 10, LONG)) === 0, "pause ended");
    });

    it("rejects a nonsensical rate or pause with a clear error", async () => {
      await expect(store.takeRateSlot(key("rate"), 0, LONG)).rejects.toThrow(/at least 1/);
      await expect(store.takeRateSlot(key("rate"), 2, -5)).rejects.toThrow(/positive window/);
      await expect(store.pauseRate(key("rate"), 0)).rejects.toThrow(/positive number of milliseconds/);
    });

    it.skipIf(!backend.keys)("namespaces every key it writes under threadpilot:", async () => {
      const k = key("ns");
      await store.set(k, 1);
      await store.claimOnce(k, LONG);
      await store.tryLock(k, "o", LONG);
      await store.enqueue(k, 1, LONG);
      await store.takeRateSlot(k, 1, LONG);
      await store.pauseRate(k, LONG);
      await store.reportCount(k, "r", 1, LONG);
      const keys = (await backend.keys!()).filter((name) => name.includes(k));
      expect(keys.sort()).toEqual([
        `threadpilot:claim:${k}`,
        `threadpilot:lock:${k}`,
        `threadpilot:member-counts:${k}`,
        `threadpilot:queue:${k}`,
        `threadpilot:rate-pause:${k}`,
        `threadpilot:rate:${k}`,
        `threadpilot:value:${k}`,
      ]);
    });

    it("rejects a non-positive TTL with a clear error", async () => {
      await expect(store.claimOnce(key("event"), 0)).rejects.toThrow(/positive number of milliseconds/);
      await expect(store.putWork(key("work"), 1, 0)).rejects.toThrow(/positive number of milliseconds/);
    });
  });
}

contract("memory", {
  open: () => openStore("memory://", logger),
  shared: false,
  setUp: async () => undefined,
  tearDown: async () => undefined,
});

let sqliteDir = "";
contract("sqlite", {
  // A nested directory that does not exist yet: openStore must create it.
  open: () => openStore(`sqlite://${join(sqliteDir, "nested", "state.sqlite")}`, logger),
  shared: true,
  setUp: async () => {
    sqliteDir = mkdtempSync(join(tmpdir(), "threadpilot-sqlite-"));
  },
  tearDown: async () => rmSync(sqliteDir, { recursive: true, force: true }),
});

let redis: TestRedis | undefined;
contract(
  "redis",
  {
    open: () => openStore(`${redis!.url}/2`, logger),
    shared: true,
    keys: async () => {
      const client = createClient({ url: `${redis!.url}/2` });
      await client.connect();
      try {
        return await client.keys("*");
      } finally {
        await client.close();
      }
    },
    setUp: async () => {
      redis = await startTestRedis();
    },
    tearDown: async () => redis?.stop(),
  },
  skipRedisTests(),
);
