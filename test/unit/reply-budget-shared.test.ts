/**
 * Budgets shared between replicas through the store's rate window, on a virtual clock: two registries stand for
 * two replicas, one in-process window (the memory store's, on the same virtual clock) for the shared store.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import pino from "pino";
import { ManualClock } from "../support/manual-clock.js";
import { BudgetRegistry, ScopeBudget } from "../../src/reply/budget/budget.js";
import { MemoryTarget, PlatformRateLimit } from "../support/memory-target.js";
import {
  SharedBudgetRegistry,
  SharedScopeBudget,
  StoreOutage,
  budgetRegistryFor,
  jitterMarginMs,
  type RateStore,
  sharesAnswerCount,
} from "../../src/reply/budget/shared-budget.js";
import { settlingClaim } from "../../src/reply/budget/scheduler.js";
import { streamReply } from "../../src/reply/stream-reply.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { MemberCounts } from "../../src/store/member-counts.js";
import { RateWindows } from "../../src/store/rate-windows.js";
import type { StateStore } from "../../src/store/types.js";
import { answer, cutsFor } from "./reply-arbitraries.js";
import { answerSteps, joinReply, play } from "./reply-support.js";
import { peakInWindow } from "../support/peak-in-window.js";

/** The store's window and answer counts on the test's virtual clock, counting the calls made to it. */
class VirtualRateStore implements RateStore {
  readonly windows: RateWindows;
  readonly counts: MemberCounts;
  takes = 0;
  pauses = 0;
  reports = 0;
  constructor(clock: ManualClock) {
    this.windows = new RateWindows(() => clock.now());
    this.counts = new MemberCounts(() => clock.now());
  }
  async reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number> {
    this.reports++;
    return this.counts.report(key, member, count, ttlMs);
  }
  async takeRateSlot(key: string, calls: number, perMs: number): Promise<number> {
    this.takes++;
    return this.windows.take(key, calls, perMs);
  }
  async pauseRate(key: string, ms: number): Promise<void> {
    this.pauses++;
    this.windows.pause(key, ms);
  }
}

/** A store that fails (or hangs) on demand. */
class FlakyStore extends VirtualRateStore {
  mode: "ok" | "fail" | "hang" = "ok";
  override async takeRateSlot(key: string, calls: number, perMs: number): Promise<number> {
    if (this.mode === "fail") throw new Error("connection refused");
    if (this.mode === "hang") return new Promise<number>(() => undefined);
    return super.takeRateSlot(key, calls, perMs);
  }
  override async reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number> {
    if (this.mode === "fail") throw new Error("connection refused");
    if (this.mode === "hang") return new Promise<number>(() => undefined);
    return super.reportCount(key, member, count, ttlMs);
  }
}

function capturedLogger(): { logger: pino.Logger; lines: Array<{ msg: string; level: number }> } {
  const lines: Array<{ msg: string; level: number }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("SharedScopeBudget", () => {
  it("two replicas never grant more than `calls` in any window together, whatever the demand and pauses", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 5 })), { maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 3 }),
        async (calls, perMs, demand, pauses) => {
          const clock = new ManualClock();
          const store = new VirtualRateStore(clock);
          const replicas = [new SharedBudgetRegistry(store, { clock }), new SharedBudgetRegistry(store, { clock })];
          const budget = (r: number) => replicas[r]!.forScope("slack:T1:chat.update", { calls, perMs });
          const grants: number[] = [];
          const pauseEnds: Array<[number, number]> = [];
          const work: Promise<void>[] = [];
          for (const [r, at, n] of demand) {
            work.push(
              (async () => {
                await clock.sleep(at);
                for (let i = 0; i < n; i++) {
                  await budget(r).take();
                  grants.push(clock.now());
                }
              })(),
            );
          }
          for (const [r, at, ms] of pauses) {
            work.push(
              (async () => {
                await clock.sleep(at);
                budget(r).pause(ms);
                pauseEnds.push([clock.now(), clock.now() + ms]);
              })(),
            );
          }
          await clock.runUntilSettled(Promise.all(work));
          expect(grants).toHaveLength(demand.reduce((s, [, , n]) => s + n, 0));
          expect(peakInWindow(grants, perMs)).toBeLessThanOrEqual(calls);
          // A pause set by either replica holds both.
          for (const [from, to] of pauseEnds) for (const g of grants) expect(g > from && g < to).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the same demand through two local budgets exceeds the limit (what the shared window prevents)", async () => {
    const clock = new ManualClock();
    const replicas = [new BudgetRegistry(clock), new BudgetRegistry(clock)];
    const grants: number[] = [];
    await clock.runUntilSettled(
      Promise.all(
        replicas.map(async (registry) => {
          for (let i = 0; i < 10; i++) {
            await registry.forScope("slack:T1:chat.update", { calls: 10, perMs: 2_000 }).take();
            grants.push(clock.now());
          }
        }),
      ),
    );
    expect(peakInWindow(grants, 2_000)).toBe(20);
  });

  it("serves a replica's waiters first come, first served, and only the head asks the store", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    const budget = new SharedScopeBudget("s", { calls: 1, perMs: 1000 }, store, { clock });
    const order: string[] = [];
    const reply = async (name: string) => {
      for (let i = 0; i < 3; i++) {
        await budget.take();
        order.push(name);
      }
    };
    await clock.runUntilSettled(Promise.all([reply("a"), reply("b"), reply("c")]));
    expect(order).toEqual(["a", "b", "c", "a", "b", "c", "a", "b", "c"]);
    // One ask per grant: the replica sees its own grants fill the window and sleeps until the first leaves it.
    expect(store.takes).toBe(9);
  });

  it("a take can be abandoned with a signal, and the queue moves on", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    const budget = new SharedScopeBudget("s", { calls: 1, perMs: 1000 }, store, { clock });
    await clock.runUntilSettled(budget.take());
    const controller = new AbortController();
    const abandoned = budget.take(controller.signal);
    const next = budget.take();
    controller.abort(new Error("reply gone"));
    await expect(abandoned).rejects.toThrow("reply gone");
    await expect(clock.runUntilSettled(next)).resolves.toBeUndefined();
    // The store's window carries a margin for the jitter between a grant and the call reaching the platform.
    expect(clock.now()).toBe(1000 + jitterMarginMs(1000));
    await expect(budget.take(AbortSignal.abort(new Error("already gone")))).rejects.toThrow("already gone");
  });

  it("asks the store for the swaps of answers waiting only for them with no final kept for those answers", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    // Discord's 5 per 5 s, ten answers on each replica: keeping each one's final would leave no streaming call.
    const replicas = [0, 1].map(() => new SharedScopeBudget("s", { calls: 5, perMs: 5_000 }, store, { clock }));
    const grants: number[] = [];
    await clock.runUntilSettled(
      Promise.all(
        replicas.flatMap((budget) =>
          Array.from({ length: 10 }, async () => {
            const leave = budget.join();
            const done = await budget.take(undefined, settlingClaim(clock.now()));
            grants.push(clock.now());
            done?.();
            leave();
          }),
        ),
      ),
      600_000,
    );
    expect(grants).toHaveLength(20);
    expect(peakInWindow(grants, 5_000)).toBeLessThanOrEqual(5);
  });

  it("tells the streamer its rate and the replies streaming in the scope", () => {
    const clock = new ManualClock();
    const budget = new SharedScopeBudget("s", { calls: 50, perMs: 60_000 }, new VirtualRateStore(clock), { clock });
    expect([budget.calls, budget.perMs, budget.active]).toEqual([50, 60_000, 0]);
    const leave = budget.join();
    budget.join();
    expect(budget.active).toBe(2);
    leave();
    leave();
    expect(budget.active).toBe(1);
    expect(budget.idle).toBe(false);
  });

  it("rejects a nonsensical rate with a clear message", () => {
    const store = new VirtualRateStore(new ManualClock());
    expect(() => new SharedScopeBudget("s", { calls: 0, perMs: 1000 }, store)).toThrow(/at least 1/);
    expect(() => new SharedScopeBudget("s", { calls: 5, perMs: -1 }, store)).toThrow(/positive/);
  });

  it("a failing store falls back to the local window, logs once, and shares again when it answers", async () => {
    const clock = new ManualClock();
    const store = new FlakyStore(clock);
    const { logger, lines } = capturedLogger();
    const registry = new SharedBudgetRegistry(store, { clock, logger, localForMs: 5_000 });
    const budget = registry.forScope("slack:T1:chat.update", { calls: 2, perMs: 1_000 });
    store.mode = "fail";
    const grants: number[] = [];
    const takeN = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await budget.take();
        grants.push(clock.now());
      }
    };
    await clock.runUntilSettled(takeN(6));
    // The local window still holds the rate while the store is down.
    expect(grants).toHaveLength(6);
    expect(peakInWindow(grants, 1_000)).toBeLessThanOrEqual(2);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/did not answer/);
    expect(store.takes).toBe(0);

    store.mode = "ok";
    await clock.advance(5_000);
    await clock.runUntilSettled(takeN(2));
    expect(store.takes).toBeGreaterThan(0);
    expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/did not answer/), expect.stringMatching(/answers again/)]);
  });

  it("a store that hangs does not hang replies: after the timeout the grant comes from the local window", async () => {
    const clock = new ManualClock();
    const store = new FlakyStore(clock);
    store.mode = "hang";
    const outage = new StoreOutage();
    const budget = new SharedScopeBudget("s", { calls: 5, perMs: 1_000 }, store, { clock, outage, storeTimeoutMs: 2_000 });
    await clock.runUntilSettled(budget.take());
    expect(clock.now()).toBe(2_000);
  });

  it("a pause this replica cannot store still holds its own replies", async () => {
    const clock = new ManualClock();
    const store = new FlakyStore(clock);
    store.pauseRate = async () => {
      throw new Error("read-only replica");
    };
    const budget = new SharedScopeBudget("s", { calls: 5, perMs: 1_000 }, store, { clock });
    budget.pause(3_000);
    await clock.runUntilSettled(budget.take());
    expect(clock.now()).toBe(3_000);
  });
});

describe("budgetRegistryFor", () => {
  const rate = { calls: 5, perMs: 1_000 };
  const logger = pino({ level: "silent" });

  it("gives local budgets over the in-process memory store", async () => {
    const store = new MemoryStore(logger);
    expect(budgetRegistryFor(store, logger).forScope("k", rate)).toBeInstanceOf(ScopeBudget);
    await store.close();
  });

  it("gives shared budgets over a store other processes share, drawing from its window", async () => {
    const clock = new ManualClock();
    const windows = new VirtualRateStore(clock);
    const shared = Object.assign(new MemoryStore(logger), {
      sharedBetweenProcesses: true,
      takeRateSlot: windows.takeRateSlot.bind(windows),
      pauseRate: windows.pauseRate.bind(windows),
    });
    const budget = budgetRegistryFor(shared, logger).forScope("k", rate);
    expect(budget).toBeInstanceOf(SharedScopeBudget);
    await budget.take();
    expect(windows.takes).toBe(1);
    await shared.close();
  });

  it("gives local budgets over a store without rate windows", () => {
    const plain = { claimOnce: async () => true } as unknown as StateStore;
    expect(budgetRegistryFor(plain).forScope("k", rate)).toBeInstanceOf(ScopeBudget);
  });
});

describe("replies of two replicas sharing one Slack workspace", () => {
  it("ten answers (five per replica) stay inside the platform's limit together, and all complete", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer(2, 8).chain((t) => fc.tuple(fc.constant(t), cutsFor(t), fc.integer({ min: 0, max: 5000 }))), {
          minLength: 10,
          maxLength: 10,
        }),
        async (replies) => {
          const clock = new ManualClock();
          const rate = { calls: 10, perMs: 6_000 };
          const store = new VirtualRateStore(clock);
          const replicas = [new SharedBudgetRegistry(store, { clock }), new SharedBudgetRegistry(store, { clock })];
          const server = new PlatformRateLimit(rate.calls, rate.perMs, clock);
          const targets = replies.map(
            (_, i) =>
              new MemoryTarget({
                clock,
                budget: replicas[i % 2]!.forScope("slack:T1:chat.update", rate),
                maxMessageLength: 4000,
                latencyMs: 150,
                limit: server,
                postsCountAgainstLimit: false,
                postUsesBudget: false,
              }),
          );
          const outcomes = await clock.runUntilSettled(
            Promise.all(
              replies.map(([text, cuts, startAt], i) =>
                streamReply(play(clock, [{ type: "wait", ms: startAt }, ...answerSteps(text, cuts, 40)]), targets[i]!, { clock }),
              ),
            ),
          );
          expect(server.rejected).toBe(0);
          outcomes.forEach((o, i) => {
            expect(o.status).toBe("complete");
            expect(joinReply(targets[i]!.visibleTexts())).toBe(replies[i]![0].trim());
          });
        },
      ),
      { numRuns: 15 },
    );
  });
});

/** One replica's view of the shared store; once it `dies` it never calls the store again (a crashed process). */
class ReplicaStore implements RateStore {
  dead = false;
  constructor(private readonly shared: RateStore) {}
  takeRateSlot(key: string, calls: number, perMs: number): Promise<number> {
    return this.dead ? new Promise<number>(() => undefined) : this.shared.takeRateSlot(key, calls, perMs);
  }
  pauseRate(key: string, ms: number): Promise<void> {
    return this.dead ? new Promise<void>(() => undefined) : this.shared.pauseRate(key, ms);
  }
  reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number> {
    return this.dead ? new Promise<number>(() => undefined) : this.shared.reportCount(key, member, count, ttlMs);
  }
}

/** A store whose window works but which cannot keep answer counts (each replica knows only its own). */
class CountlessStore extends VirtualRateStore {
  override async reportCount(): Promise<number> {
    throw new Error("no answer counts here");
  }
}

describe("the reserve for finals across replicas", () => {
  const SLACK = { calls: 50, perMs: 60_000 };
  const SCOPE = "slack:T1:chat.update";

  /**
   * Ten answers on each of two replicas, each always with a streaming call waiting, until streaming has taken
   * all it may; then every answer ends with its final. Returns the streaming grants, and the finals granted
   * without time moving on (the rest waited for the window to renew).
   */
  async function streamThenEnd(storeOn: (clock: ManualClock) => RateStore) {
    const clock = new ManualClock();
    const store = storeOn(clock);
    const budgets = [new SharedBudgetRegistry(store, { clock }), new SharedBudgetRegistry(store, { clock })].map((r) => r.forScope(SCOPE, SLACK));
    const answers = budgets.flatMap((budget) =>
      Array.from({ length: 10 }, () => ({ budget, leave: budget.join(), streaming: new AbortController() })),
    );
    await clock.advance(0);
    const streams: number[] = [];
    const streaming = answers.map(async ({ budget, streaming: stop }) => {
      for (;;) {
        try {
          const done = await budget.take(stop.signal, { kind: "stream", unshown: () => 200, shownAt: clock.now() });
          streams.push(clock.now());
          done?.();
        } catch {
          return;
        }
      }
    });
    // Well past the answers' expected life (10 s): streaming has spent what it may of the minute.
    await clock.advance(30_000);
    const endedAt = clock.now();
    const finals: number[] = [];
    const ends = answers.map(async (answer) => {
      answer.streaming.abort(new Error("answer ended"));
      (await answer.budget.take(undefined, { kind: "final" }))?.();
      finals.push(clock.now());
      answer.leave();
    });
    await clock.runUntilSettled(Promise.all([...ends, ...streaming]));
    return { streams, atOnce: finals.filter((at) => at === endedAt).length, peak: peakInWindow([...streams, ...finals], SLACK.perMs) };
  }

  it("ten streaming answers on each of two replicas: streaming leaves a slot for all twenty finals, which go at once", async () => {
    const { streams, atOnce, peak } = await streamThenEnd((clock) => new VirtualRateStore(clock));
    // 50 − 20 running answers − ⌊50 × 0.05⌋ for arrivals: streaming used all of that, and no more.
    expect(streams).toHaveLength(50 - 20 - 2);
    expect(atOnce).toBe(20);
    expect(peak).toBeLessThanOrEqual(50);
  });

  it("(what it fixes) a replica that knows only its own answers lets streaming take 38, and 8 finals wait", async () => {
    const { streams, atOnce } = await streamThenEnd((clock) => new CountlessStore(clock));
    expect(streams).toHaveLength(50 - 10 - 2);
    expect(atOnce).toBe(12);
  });

  it("tells every replica the answers of all of them, and follows joins and leaves", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    const [a, b] = [new SharedBudgetRegistry(store, { clock }), new SharedBudgetRegistry(store, { clock })].map((r) => r.forScope(SCOPE, SLACK));
    const leavesA = [a!.join(), a!.join(), a!.join()];
    const leavesB = [b!.join(), b!.join()];
    await clock.advance(0);
    // Each learns the other's answers at its own next report: b's last came after all five had joined.
    expect(b!.active).toBe(5);
    // a's next comes with its renewal, a third of the count's expiry later.
    await clock.advance(2_000);
    expect(a!.active).toBe(5);
    leavesB[0]!();
    for (const leave of leavesA) leave();
    await clock.advance(0);
    // a reported its leaves after b's: it knows b's one answer; b knows a's leaves at its next renewal.
    expect(a!.active).toBe(1);
    await clock.advance(2_000);
    expect(b!.active).toBe(1);
    leavesB[1]!();
    await clock.advance(0);
    expect(b!.active).toBe(0);
    // a, with no answers and nothing waiting, makes no report: its last one stops counting once as old as the
    // count's expiry (b's answer may have ended meanwhile, as it did).
    expect(a!.active).toBe(1);
    await clock.advance(6_000);
    expect(a!.active).toBe(0);
    expect(a!.idle && b!.idle).toBe(true);
  });

  it("a window shorter than an answer (Discord's 5 s per channel) keeps no shared count: no store call for it", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    let reports = 0;
    const counting: RateStore = {
      takeRateSlot: (...args) => store.takeRateSlot(...args),
      pauseRate: (...args) => store.pauseRate(...args),
      reportCount: (...args) => {
        reports++;
        return store.reportCount(...args);
      },
    };
    const discordChannel = { calls: 5, perMs: 5_250 };
    expect(sharesAnswerCount(discordChannel)).toBe(false);
    expect(sharesAnswerCount(SLACK)).toBe(true);
    const [a, b] = [new SharedBudgetRegistry(counting, { clock }), new SharedBudgetRegistry(counting, { clock })].map((r) => r.forScope(SCOPE, discordChannel));
    const leaves = [a!.join(), b!.join(), b!.join()];
    await clock.advance(3_000);
    // Each knows its own answers only; a final that misses this window waits at most 5 s.
    expect([a!.active, b!.active]).toEqual([1, 2]);
    expect(reports).toBe(0);
    for (const leave of leaves) leave();
  });

  it("a replica that dies stops counting for the others once its count expired", async () => {
    const clock = new ManualClock();
    const shared = new VirtualRateStore(clock);
    const dying = new ReplicaStore(shared);
    const ttl = 3_000;
    const doomed = new SharedBudgetRegistry(dying, { clock, answerCountTtlMs: ttl }).forScope(SCOPE, SLACK);
    const alive = new SharedBudgetRegistry(shared, { clock, answerCountTtlMs: ttl }).forScope(SCOPE, SLACK);
    for (let i = 0; i < 10; i++) doomed.join();
    const leave = alive.join();
    await clock.advance(ttl / 3);
    expect(alive.active).toBe(11);
    // It dies without a word: its ten answers never leave, its count is never renewed.
    dying.dead = true;
    await clock.advance(ttl - 1);
    expect(alive.active).toBe(11);
    // The living replica renews its own count every third of the TTL, and sees the dead one's gone by then.
    await clock.advance(ttl / 3 + 1);
    expect(alive.active).toBe(1);
    leave();
  });

  it("the count costs a store call per half second at most while grants are decided, not one per grant", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    const budget = new SharedBudgetRegistry(store, { clock }).forScope("discord:channel:1", { calls: 20, perMs: 1_000 });
    const leaves = Array.from({ length: 5 }, () => budget.join());
    let grants = 0;
    const stop = new AbortController();
    const streaming = Array.from({ length: 5 }, async () => {
      for (;;) {
        try {
          (await budget.take(stop.signal, { kind: "stream", unshown: () => 100, shownAt: clock.now() }))?.();
          grants++;
        } catch {
          return;
        }
      }
    });
    await clock.advance(10_000);
    stop.abort(new Error("answers ended"));
    for (const leave of leaves) leave();
    await clock.runUntilSettled(Promise.all(streaming));
    // Well over a hundred grants in ten seconds, each one store call; the count adds one per join and leave
    // (coalesced while one is out) and at most one per 500 ms besides.
    expect(grants).toBeGreaterThan(100);
    expect(store.takes).toBeLessThanOrEqual(grants + 10_000 / 500);
    expect(store.reports).toBeLessThanOrEqual(10 + 10_000 / 500 + 1);
  });

  it("the count never holds up a grant: a store that hangs on it still grants at once, with the replica's own count", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    store.reportCount = () => new Promise<number>(() => undefined);
    const outage = new StoreOutage();
    const budget = new SharedScopeBudget(SCOPE, SLACK, store, { clock, outage, storeTimeoutMs: 2_000 });
    budget.join();
    budget.join();
    await clock.runUntilSettled(budget.take(undefined, { kind: "stream", unshown: () => 10, shownAt: 0 }));
    expect(clock.now()).toBe(0);
    expect(budget.active).toBe(2);
    expect(store.takes).toBe(1);
  });

  it("when another replica's answers end, first words held back by the reserve go at the next renewal, not the next window", async () => {
    const clock = new ManualClock();
    const store = new VirtualRateStore(clock);
    const rate = { calls: 10, perMs: 60_000 };
    const [a, b] = [new SharedBudgetRegistry(store, { clock }), new SharedBudgetRegistry(store, { clock })].map((r) => r.forScope(SCOPE, rate));
    const leavesB = Array.from({ length: 9 }, () => b!.join());
    a!.join();
    await clock.advance(2_000);
    expect(a!.active).toBe(10);
    // Ten answers in a window of ten: every slot is some answer's final, so a's first words wait.
    let grantedAt: number | undefined;
    const first = a!.take(undefined, { kind: "first" }).then(() => (grantedAt = clock.now()));
    await clock.advance(20_000);
    expect(grantedAt).toBeUndefined();
    for (const leave of leavesB) leave();
    const leftAt = clock.now();
    await clock.runUntilSettled(first);
    // a learns at its next renewal (a third of the count's expiry), and the reserve shrinking wakes its waiter.
    expect(grantedAt! - leftAt).toBeLessThanOrEqual(2_000);
    expect(store.takes).toBe(1);
  });
});
