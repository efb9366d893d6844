/**
 * The thread coordinator over the in-process store, with fake runs whose ends the test controls.
 * Several coordinators sharing one store stand in for replicas.
 */
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ThreadCoordinator, type RunContext, type ThreadRun } from "../../src/core/thread-coordinator.js";
import { MAX_RESUMPTIONS } from "../../src/core/unfinished-work.js";
import { ThreadRunAbort, threadAbortKind } from "../../src/core/thread-run-abort.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { StateStore } from "../../src/store/types.js";

const logger = pino({ level: "silent" });
/** Waits for an outcome; the generous bound only stops a broken test, it measures nothing. */
const waitFor = <T>(check: () => T | Promise<T>): Promise<T> => vi.waitFor(check, { timeout: 15_000, interval: 10 });

interface Call {
  thread: string;
  items: string[];
  signal: AbortSignal;
  context: RunContext<string>;
  finish: () => void;
  fail: (error: Error) => void;
}

/** A run handler that records each call and ends only when the test says so (or its signal aborts). */
function fakeRuns(): { run: ThreadRun<string>; calls: Call[] } {
  const calls: Call[] = [];
  const run: ThreadRun<string> = (thread, items, signal, context) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ thread, items, signal, context, finish: resolve, fail: reject });
      signal.addEventListener("abort", () => reject(signal.reason));
    });
  return { run, calls };
}

/** Wraps a store so chosen methods stop answering, like a replica that died or lost its connection. */
function cuttable(store: StateStore): {
  store: StateStore;
  cut: (...methods: string[]) => void;
  mend: () => void;
  /** Calls held back so far. */
  pending: () => number;
} {
  const cutMethods = new Set<string>();
  const hanging: (() => void)[] = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (cutMethods.has("*") || cutMethods.has(String(property))) {
          // Never answers while cut; once mended, the call goes through late, like a slow network.
          return new Promise((resolve) => hanging.push(() => resolve((value as (...a: unknown[]) => unknown).apply(target, args))));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: proxy,
    cut: (...methods) => {
      for (const m of methods) cutMethods.add(m);
    },
    mend: () => {
      cutMethods.clear();
      for (const go of hanging.splice(0)) go();
    },
    pending: () => hanging.length,
  };
}

const RETAKEN = "thread lock had vanished from the state store (a restart or failover); taken again";
const UNREACHABLE = "thread lock could not be renewed: the state store did not answer; answering on";

/** A logger that keeps the messages of its warnings. */
function warnings(): { logger: pino.Logger; messages: () => string[] } {
  const lines: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
  return { logger, messages: () => lines.map((line) => String((JSON.parse(line) as { msg?: string }).msg)) };
}

/** Wraps a store so chosen methods reject, like a store nobody reaches (Redis down); counts the rejections. */
function failable(store: StateStore): { store: StateStore; fail: (...methods: string[]) => void; mend: () => void; failures: () => number } {
  const failing = new Set<string>();
  let failures = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (failing.has(String(property))) {
          failures++;
          return Promise.reject(new Error("The client is closed"));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, fail: (...methods) => {
      for (const m of methods) failing.add(m);
    }, mend: () => failing.clear(), failures: () => failures };
}

/** A store whose backend can be swapped, like a failover to a replica that lacks the latest keys. */
function switchable(initial: StateStore): { store: StateStore; switchTo: (next: StateStore) => void } {
  let current = initial;
  const proxy = new Proxy(initial, {
    get(_target, property) {
      const value = Reflect.get(current, property, current) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
  });
  return { store: proxy, switchTo: (next) => (current = next) };
}

const coordinators: ThreadCoordinator<string>[] = [];
function coordinator(
  store: StateStore,
  run: ThreadRun<string>,
  extra: {
    lockTtlMs?: number;
    stopPollMs?: number;
    logger?: pino.Logger;
    resumeEveryMs?: number;
    ownsThread?: (key: string) => boolean;
  } = {},
) {
  const c = new ThreadCoordinator<string>({ store, run, logger, lockTtlMs: 60_000, stopPollMs: 20, ...extra });
  coordinators.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.close()));
});

describe("ThreadCoordinator", () => {
  it("starts a run for a message in an idle thread", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    expect(await c.submit("t1", "hello")).toBe("started");
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ thread: "t1", items: ["hello"] });
    expect(c.isRunning("t1")).toBe(true);
    calls[0]!.finish();
    await c.idle();
    expect(c.isRunning("t1")).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it("answers three messages that arrive during a run in ONE follow-up run, in order", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    await c.submit("t1", "first");
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(await c.submit("t1", "second")).toBe("queued");
    expect(await c.submit("t1", "third")).toBe("queued");
    expect(await c.submit("t1", "fourth")).toBe("queued");
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.items).toEqual(["second", "third", "fourth"]);
    calls[1]!.finish();
    await c.idle();
    expect(calls).toHaveLength(2);
  });

  it("a message queued while the holder is releasing the lock is answered right after (no lost wake-up)", async () => {
    const shared = new MemoryStore(logger);
    const slowRelease = cuttable(shared);
    const a = fakeRuns();
    const b = fakeRuns();
    const replicaA = coordinator(slowRelease.store, a.run);
    const replicaB = coordinator(shared, b.run);
    await replicaA.submit("t1", "one");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    slowRelease.cut("unlock");
    a.calls[0]!.finish();
    // A found the queue empty and is releasing the lock; B's message lands in that gap.
    await waitFor(() => expect(slowRelease.pending()).toBe(1));
    expect(await replicaB.submit("t1", "two")).toBe("queued");
    slowRelease.mend();
    // The lock lives 60 s here, so only A's re-check after unlocking can start this run in time.
    await waitFor(() => expect([...a.calls, ...b.calls].map((call) => call.items)).toEqual([["one"], ["two"]]));
  });

  it("keeps threads independent", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    expect(await c.submit("a", "1")).toBe("started");
    expect(await c.submit("b", "2")).toBe("started");
    await waitFor(() => expect(calls.map((call) => call.thread).sort()).toEqual(["a", "b"]));
  });

  it("goes on with waiting messages after a run fails", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    await c.submit("t1", "first");
    await waitFor(() => expect(calls).toHaveLength(1));
    await c.submit("t1", "second");
    calls[0]!.fail(new Error("model exploded"));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.items).toEqual(["second"]);
  });

  it("batches messages queued on another replica into the lock holder's next run", async () => {
    const store = new MemoryStore(logger);
    const a = fakeRuns();
    const b = fakeRuns();
    const replicaA = coordinator(store, a.run);
    const replicaB = coordinator(store, b.run);
    await replicaA.submit("t1", "one");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    expect(await replicaB.submit("t1", "two")).toBe("queued");
    expect(await replicaA.submit("t1", "three")).toBe("queued");
    a.calls[0]!.finish();
    await waitFor(() => expect(a.calls).toHaveLength(2));
    expect(a.calls[1]!.items).toEqual(["two", "three"]);
    expect(b.calls).toHaveLength(0);
  });

  it("stop aborts the running answer with a 'stopped' reason, then answers what was waiting", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    await c.submit("t1", "long question");
    await waitFor(() => expect(calls).toHaveLength(1));
    await c.submit("t1", "follow-up");
    expect(await c.stop("t1")).toBe(true);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[0]!.signal.reason).toBeInstanceOf(ThreadRunAbort);
    expect(threadAbortKind(calls[0]!.signal)).toBe("stopped");
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.items).toEqual(["follow-up"]);
    expect(calls[1]!.signal.aborted).toBe(false);
  });

  it("stop with dropQueued discards the waiting messages", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    await c.submit("t1", "long question");
    await waitFor(() => expect(calls).toHaveLength(1));
    await c.submit("t1", "follow-up");
    await c.stop("t1", { dropQueued: true });
    await c.idle();
    expect(calls).toHaveLength(1);
  });

  it("a stop asked on another replica reaches the replica running the answer", async () => {
    const store = new MemoryStore(logger);
    const a = fakeRuns();
    const replicaA = coordinator(store, a.run);
    const replicaB = coordinator(store, fakeRuns().run);
    await replicaA.submit("t1", "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    expect(await replicaB.stop("t1")).toBe(false);
    await waitFor(() => expect(threadAbortKind(a.calls[0]!.signal)).toBe("stopped"));
    await replicaA.idle();
  });

  it("a stop asked when nothing runs does not stop the next answer", async () => {
    const store = new MemoryStore(logger);
    const polls = vi.spyOn(store, "get");
    const { run, calls } = fakeRuns();
    const c = coordinator(store, run);
    expect(await c.stop("t1")).toBe(false);
    await c.submit("t1", "question");
    await waitFor(() => expect(calls).toHaveLength(1));
    // Let the running answer's stop poll look at the store several times.
    await waitFor(() => expect(polls.mock.calls.filter(([key]) => key === "thread-stop:t1").length).toBeGreaterThanOrEqual(3));
    expect(calls[0]!.signal.aborted).toBe(false);
  });

  it("when the lock holder dies, its lock expires and another replica answers its question again with the waiting message", async () => {
    const shared = new MemoryStore(logger);
    const dying = cuttable(shared);
    const a = fakeRuns();
    const b = fakeRuns();
    const replicaA = coordinator(dying.store, a.run, { lockTtlMs: 500 });
    const replicaB = coordinator(shared, b.run, { lockTtlMs: 500 });
    await replicaA.submit("t1", "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    await a.calls[0]!.context.posted("reply-1");
    dying.cut("*"); // replica A is gone: it can no longer refresh or release its lock
    expect(await replicaB.submit("t1", "are you there?")).toBe("queued");
    await waitFor(() => expect(b.calls).toHaveLength(1));
    // A's question was never finished: B answers it again, with the message that waited, and is told A's reply.
    expect(b.calls[0]!.items).toEqual(["question", "are you there?"]);
    expect(b.calls[0]!.context.interrupted).toEqual({ items: ["question"], replies: ["reply-1"], gaveUp: false });
    expect(a.calls).toHaveLength(1);
    dying.mend(); // so afterEach can close replica A
  });

  it("a holder that loses its lock (refresh stalled past expiry) abandons its answer with 'lock_lost'", async () => {
    const shared = new MemoryStore(logger);
    const stalling = cuttable(shared);
    const a = fakeRuns();
    const b = fakeRuns();
    const replicaA = coordinator(stalling.store, a.run, { lockTtlMs: 500 });
    const replicaB = coordinator(shared, b.run, { lockTtlMs: 500 });
    await replicaA.submit("t1", "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    stalling.cut("refreshLock");
    await replicaB.submit("t1", "next");
    await waitFor(() => expect(b.calls).toHaveLength(1));
    stalling.mend();
    await waitFor(() => expect(threadAbortKind(a.calls[0]!.signal)).toBe("lock_lost"));
    // B still holds the thread: a new message waits for B's run instead of starting a second one.
    expect(await replicaA.submit("t1", "third")).toBe("queued");
    b.calls[0]!.finish();
    await waitFor(() => expect(b.calls).toHaveLength(2));
    expect(b.calls[1]!.items).toEqual(["third"]);
  });

  it("a store that does not answer renewals for longer than the lock's lifetime does not end the running answer", async () => {
    const shared = new MemoryStore(logger);
    const failing = failable(shared);
    const a = fakeRuns();
    const log = warnings();
    const replicaA = coordinator(failing.store, a.run, { lockTtlMs: 300, logger: log.logger });
    await replicaA.submit("t1", "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    failing.fail("refreshLock", "tryLock");
    // Three lifetimes of a store nobody reaches: the lock expires in it meanwhile, and nobody else takes it.
    await waitFor(() => expect(failing.failures()).toBeGreaterThanOrEqual(4));
    failing.mend();
    // Back: the free lock is taken again, so a message from another replica waits for this run.
    const b = fakeRuns();
    const replicaB = coordinator(shared, b.run, { lockTtlMs: 300 });
    await waitFor(() => expect(log.messages()).toContain(RETAKEN));
    expect(log.messages()).toContain(UNREACHABLE);
    expect(await replicaB.submit("t1", "follow-up")).toBe("queued");
    expect(a.calls[0]!.signal.aborted).toBe(false);
    a.calls[0]!.finish();
    await waitFor(() => expect([...a.calls, ...b.calls].map((call) => call.items)).toEqual([["question"], ["follow-up"]]));
  });

  it("a lock key lost in a failover (a store that comes back empty) is taken again, and the answer goes on", async () => {
    const failover = switchable(new MemoryStore(logger));
    const a = fakeRuns();
    const log = warnings();
    const replicaA = coordinator(failover.store, a.run, { lockTtlMs: 300, logger: log.logger });
    await replicaA.submit("t1", "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    const promoted = new MemoryStore(logger);
    failover.switchTo(promoted);
    // Within a renewal the lock is back in the new store, held by the running answer.
    await waitFor(() => expect(log.messages()).toContain(RETAKEN));
    expect(await promoted.tryLock("thread:t1", "probe", 300)).toBe(false);
    expect(a.calls[0]!.signal.aborted).toBe(false);
    a.calls[0]!.finish();
    await replicaA.idle();
    // Released when the run ended, as usual.
    expect(await promoted.tryLock("thread:t1", "probe", 300)).toBe(true);
  });

  it("when the key vanished and another replica took the thread first, the answer is still ended as taken over", async () => {
    const failover = switchable(new MemoryStore(logger));
    const a = fakeRuns();
    const replicaA = coordinator(failover.store, a.run, { lockTtlMs: 300 });
    await replicaA.submit("t1", "question");
    await waitFor(() => expect(a.calls).toHaveLength(1));
    // The store came back without the key, and replica B's run took the free lock before A's next renewal.
    const promoted = new MemoryStore(logger);
    expect(await promoted.tryLock("thread:t1", "replica-b:run", 60_000)).toBe(true);
    failover.switchTo(promoted);
    await waitFor(() => expect(threadAbortKind(a.calls[0]!.signal)).toBe("lock_lost"));
    // A does not release B's lock on its way out.
    await replicaA.idle();
    expect(await promoted.refreshLock("thread:t1", "replica-b:run", 60_000)).toBe(true);
  });

  it("under concurrent submits on three replicas, every message is answered exactly once and runs never overlap", async () => {
    const store = new MemoryStore(logger);
    const answered: string[] = [];
    let running = 0;
    let overlapped = false;
    const run: ThreadRun<string> = async (_thread, items) => {
      running += 1;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      answered.push(...items);
      running -= 1;
    };
    const replicas = [coordinator(store, run), coordinator(store, run), coordinator(store, run)];
    const sent = Array.from({ length: 60 }, (_, i) => `m${i}`);
    await Promise.all(
      sent.map(async (item, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
        await replicas[i % 3]!.submit("busy-thread", item);
      }),
    );
    await waitFor(async () => {
      await Promise.all(replicas.map((r) => r.idle()));
      expect(answered).toHaveLength(60);
    });
    expect([...answered].sort()).toEqual([...sent].sort());
    expect(overlapped).toBe(false);
  });

  it("a run that ends deletes its record; one cut short by shutdown keeps it, and the next start resumes it once", async () => {
    const store = new MemoryStore(logger);
    const first = fakeRuns();
    const before = coordinator(store, first.run);
    await before.submit("t1", "done question");
    await waitFor(() => expect(first.calls).toHaveLength(1));
    first.calls[0]!.finish();
    await before.idle();
    expect(await store.listWork()).toEqual([]);

    await before.submit("t1", "long question");
    await waitFor(() => expect(first.calls).toHaveLength(2));
    await first.calls[1]!.context.posted("m1");
    await first.calls[1]!.context.posted("m2");
    await before.close();
    expect(threadAbortKind(first.calls[1]!.signal)).toBe("shutdown");
    expect(await store.listWork()).toEqual(["thread:t1"]);

    // The next start (two replicas looking at once): exactly one resumes it.
    const after = [fakeRuns(), fakeRuns()];
    const replicas = after.map((r) => coordinator(store, r.run));
    expect((await Promise.all(replicas.map((r) => r.resumeOrphans()))).sort()).toEqual([0, 1]);
    await waitFor(() => expect(after.flatMap((r) => r.calls)).toHaveLength(1));
    const resumed = after.flatMap((r) => r.calls);
    expect(resumed[0]!.items).toEqual(["long question"]);
    expect(resumed[0]!.context.interrupted).toEqual({ items: ["long question"], replies: ["m1", "m2"], gaveUp: false });
    resumed[0]!.finish();
    await Promise.all(replicas.map((r) => r.idle()));
    expect(await store.listWork()).toEqual([]);
    expect(await Promise.all(replicas.map((r) => r.resumeOrphans()))).toEqual([0, 0]);
  });

  it("a stop ends the work for good: nothing is resumed after it", async () => {
    const store = new MemoryStore(logger);
    const { run, calls } = fakeRuns();
    const c = coordinator(store, run);
    await c.submit("t1", "question");
    await waitFor(() => expect(calls).toHaveLength(1));
    await c.stop("t1");
    await c.idle();
    expect(await store.listWork()).toEqual([]);
  });

  it("messages left queued by a clean shutdown are answered by the next start, not during the grace period", async () => {
    const store = new MemoryStore(logger);
    const old = fakeRuns();
    const before = coordinator(store, old.run);
    await before.submit("t1", "question");
    await waitFor(() => expect(old.calls).toHaveLength(1));
    expect(await before.submit("t1", "follow-up")).toBe("queued");
    before.beginDrain();
    old.calls[0]!.finish();
    await before.idle();
    expect(old.calls).toHaveLength(1);
    await before.close();
    expect(await store.queueLength("thread:t1")).toBe(1);

    const next = fakeRuns();
    const after = coordinator(store, next.run, { resumeEveryMs: 60_000 });
    after.startResuming();
    await waitFor(() => expect(next.calls).toHaveLength(1));
    expect(next.calls[0]!.items).toEqual(["follow-up"]);
    expect(next.calls[0]!.context.interrupted).toBeUndefined();
  });

  it("resumes only the threads it owns, and gives up on a question after repeated interruptions", async () => {
    const store = new MemoryStore(logger);
    await store.enqueue("thread:discord:1", "other platform", 60_000);
    await store.putWork(
      "thread:slack:1",
      { threadKey: "slack:1", items: ["killer"], replies: ["r1"], resumptions: MAX_RESUMPTIONS },
      60_000,
    );
    const { run, calls } = fakeRuns();
    const c = coordinator(store, run, { ownsThread: (key) => key.startsWith("slack:") });
    expect(await c.resumeOrphans()).toBe(1);
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.thread).toBe("slack:1");
    expect(calls[0]!.items).toEqual([]);
    expect(calls[0]!.context.interrupted).toEqual({ items: ["killer"], replies: ["r1"], gaveUp: true });
    calls[0]!.finish();
    await c.idle();
    expect(await store.listWork()).toEqual([]);
    expect(await store.queueLength("thread:discord:1")).toBe(1);
  });

  it("close aborts running answers with 'shutdown' and refuses new messages", async () => {
    const { run, calls } = fakeRuns();
    const c = coordinator(new MemoryStore(logger), run);
    await c.submit("t1", "question");
    await waitFor(() => expect(calls).toHaveLength(1));
    await c.close();
    expect(threadAbortKind(calls[0]!.signal)).toBe("shutdown");
    await expect(c.submit("t1", "late")).rejects.toThrow(/shut down/);
  });
});
