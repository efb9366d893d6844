/**
 * Two thread coordinators, each with its own connection to one private redis-server, act as two replicas.
 */
import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ThreadCoordinator, type ThreadRun } from "../../src/core/thread-coordinator.js";
import { threadAbortKind } from "../../src/core/thread-run-abort.js";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

const logger = pino({ level: "silent" });
/** Waits for an outcome; the generous bound only stops a broken test, it measures nothing. */
const waitFor = <T>(check: () => T | Promise<T>): Promise<T> => vi.waitFor(check, { timeout: 15_000, interval: 10 });

interface Call {
  items: string[];
  signal: AbortSignal;
  finish: () => void;
}

function fakeRuns(): { run: ThreadRun<string>; calls: Call[] } {
  const calls: Call[] = [];
  const run: ThreadRun<string> = (_thread, items, signal) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ items, signal, finish: resolve });
      signal.addEventListener("abort", () => reject(signal.reason));
    });
  return { run, calls };
}

describe.skipIf(skipRedisTests())("thread coordinators sharing one Redis", () => {
  let redis: TestRedis;
  const stores: StateStore[] = [];
  const coordinators: ThreadCoordinator<string>[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    await Promise.all(coordinators.splice(0).map((c) => c.close(2_000)));
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  afterAll(async () => redis?.stop());

  async function replica(run: ThreadRun<string>, lockTtlMs = 60_000) {
    const store = await openStore(redis.url, logger);
    stores.push(store);
    const coordinator = new ThreadCoordinator<string>({ store, run, logger, lockTtlMs, stopPollMs: 25 });
    coordinators.push(coordinator);
    return { store, coordinator };
  }

  it("messages sent to both replicas during a run are answered together in one run, in order", async () => {
    const thread = randomUUID();
    const a = fakeRuns();
    const b = fakeRuns();
    const { coordinator: replicaA } = await replica(a.run);
    const { coordinator: replicaB } = await replica(b.run);
    expect(await replicaA.submit(thread, "one")).toBe("started");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    expect(await replicaB.submit(thread, "two")).toBe("queued");
    expect(await replicaB.submit(thread, "three")).toBe("queued");
    expect(await replicaA.submit(thread, "four")).toBe("queued");
    a.calls[0]!.finish();
    await waitFor(() => expect(a.calls).toHaveLength(2));
    expect(a.calls[1]!.items).toEqual(["two", "three", "four"]);
    expect(b.calls).toHaveLength(0);
  });

  it("a stop asked on one replica aborts the answer running on the other", async () => {
    const thread = randomUUID();
    const a = fakeRuns();
    const { coordinator: replicaA } = await replica(a.run);
    const { coordinator: replicaB } = await replica(fakeRuns().run);
    await replicaA.submit(thread, "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    expect(await replicaB.stop(thread)).toBe(false);
    await waitFor(() => expect(threadAbortKind(a.calls[0]!.signal)).toBe("stopped"));
  });

  it("when a replica dies mid-answer, its lock expires and the other replica answers its question again with the waiting message", async () => {
    const thread = randomUUID();
    const a = fakeRuns();
    const b = fakeRuns();
    const { store: storeA, coordinator: replicaA } = await replica(a.run, 500);
    const { coordinator: replicaB } = await replica(b.run, 500);
    await replicaA.submit(thread, "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    await storeA.close(); // replica A loses Redis for good: it can neither refresh nor release its lock
    expect(await replicaB.submit(thread, "hello?")).toBe("queued");
    await waitFor(() => expect(b.calls).toHaveLength(1));
    // A never finished "question": its work record is still in Redis, so B answers it again with "hello?".
    expect(b.calls[0]!.items).toEqual(["question", "hello?"]);
  });

  it("answers every message exactly once, never two runs of one thread at a time", async () => {
    const thread = randomUUID();
    const answered: string[] = [];
    let running = 0;
    let overlapped = false;
    const run: ThreadRun<string> = async (_thread, items) => {
      running += 1;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      answered.push(...items);
      running -= 1;
    };
    const replicas = [(await replica(run)).coordinator, (await replica(run)).coordinator];
    const sent = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await Promise.all(
      sent.map(async (item, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
        await replicas[i % 2]!.submit(thread, item);
      }),
    );
    await waitFor(async () => {
      await Promise.all(replicas.map((r) => r.idle()));
      expect(answered).toHaveLength(40);
    });
    expect([...answered].sort()).toEqual([...sent].sort());
    expect(overlapped).toBe(false);
  });
});
