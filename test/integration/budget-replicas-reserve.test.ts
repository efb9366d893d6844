/**
 * The reserve for finals across replicas (issue 18 follow-up): two "replicas" (two store connections, two
 * SharedBudgetRegistry instances) on one private redis-server, with answers streaming in ONE Slack workspace. The
 * shared window keeps a slot free for every running answer's final only if each replica counts the OTHER
 * replica's answers too; counting only its own, each let streaming fill the window to 50 − 10 − 2 = 38, leaving
 * 12 slots for 20 finals.
 */
import { setMaxListeners } from "node:events";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClock } from "../../src/reply/clock.js";
import { SharedBudgetRegistry, type SharedScopeBudget } from "../../src/reply/budget/shared-budget.js";
import { ARRIVALS_SHARE, settlingClaim } from "../../src/reply/budget/scheduler.js";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";
import { peakInWindow } from "../support/peak-in-window.js";

/** Slack's chat.update tier, on a half-minute window: longer than the test, so no slot frees while it runs. */
const RATE = { calls: 50, perMs: 30_000 };
const ANSWERS_PER_REPLICA = 10;
const SCOPE = "slack:T1:chat.update";
/** Streaming counts as settled once no replica was granted a streaming call for this long. */
const QUIET_MS = 2_000;

const logger = pino({ level: "silent" });
const now = () => realClock.now();

/** Polls `check` every 50 ms until it holds or `ms` passed; says which. */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  const deadline = now() + ms;
  while (!check()) {
    if (now() >= deadline) return false;
    await realClock.sleep(50);
  }
  return true;
}

interface Answer {
  budget: SharedScopeBudget;
  leave: () => void;
  /** Aborts the answer's waiting streaming call when the answer ends. */
  streaming: AbortController;
}

describe.skipIf(skipRedisTests())("the reserve for finals, counted across two replicas on one Redis", () => {
  let redis: TestRedis;
  const stores: StateStore[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  }, 30_000);
  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => undefined);
    await redis?.stop();
  });

  const openReplica = async (options: { answerCountTtlMs?: number } = {}) => {
    const store = await openStore(redis.url, logger);
    stores.push(store);
    return { store, registry: new SharedBudgetRegistry(store, { logger, ...options }) };
  };

  it("ten streaming answers on each replica, then all twenty end: every final is granted within the window", async () => {
    const replicas = [await openReplica(), await openReplica()];
    const budgets = replicas.map(({ registry }) => registry.forScope(SCOPE, RATE) as SharedScopeBudget);
    const answers: Answer[] = budgets.flatMap((budget) =>
      Array.from({ length: ANSWERS_PER_REPLICA }, () => ({ budget, leave: budget.join(), streaming: new AbortController() })),
    );
    const total = answers.length;
    // A replica learns of the other's answers at its next report (on a join, or within half a second).
    await within(5_000, () => budgets.every((b) => b.active === total));

    const streams: number[] = [];
    const finals: number[] = [];
    // Every answer always has a streaming call waiting, with text to show: streaming wants the whole window.
    const streaming = answers.map(async (answer) => {
      let shownAt = now();
      for (;;) {
        try {
          const done = await answer.budget.take(answer.streaming.signal, { kind: "stream", unshown: () => 200, shownAt });
          shownAt = now();
          streams.push(shownAt);
          done?.();
        } catch {
          return;
        }
      }
    });

    // Streaming has taken all it may once no replica has been granted a streaming call for a while.
    const reserve = total + Math.floor(RATE.calls * ARRIVALS_SHARE);
    let lastCount = -1;
    let lastChange = now();
    const settled = await within(25_000, () => {
      if (streams.length !== lastCount) {
        lastCount = streams.length;
        lastChange = now();
      }
      return streams.length >= RATE.calls - reserve && now() - lastChange >= QUIET_MS;
    });
    expect(settled).toBe(true);
    const firstGrant = Math.min(...streams);

    // All twenty answers end: each its final (its waiting streaming call gives way), then it leaves.
    const windowRenews = new AbortController();
    setMaxListeners(total + 1, windowRenews.signal);
    const renewal = realClock.sleep(firstGrant + RATE.perMs - now(), windowRenews.signal).then(() => windowRenews.abort());
    const ends = answers.map(async (answer) => {
      answer.streaming.abort(new Error("answer ended"));
      try {
        const done = await answer.budget.take(windowRenews.signal, { kind: "final" });
        finals.push(now());
        done?.();
      } catch {
        // Still waiting when the window's first slot freed: this final waited for the next window.
      } finally {
        answer.leave();
      }
    });
    await Promise.all(ends);
    await Promise.all(streaming);
    const ungranted = total - finals.length;
    windowRenews.abort();
    await renewal;

    console.info(
      `reserve across replicas: ${streams.length} streaming grants, ${finals.length} of ${total} finals at once, peak ${peakInWindow([...streams, ...finals], RATE.perMs)} per ${RATE.perMs} ms`,
    );
    // Streaming left a slot for every running answer's final (and the arrivals' share), whichever replica ran it...
    expect(streams.length).toBeLessThanOrEqual(RATE.calls - reserve);
    // ...so no final waited for the window to renew...
    expect(ungranted).toBe(0);
    // ...and the window never held more than the platform allows.
    expect(peakInWindow([...streams, ...finals], RATE.perMs)).toBeLessThanOrEqual(RATE.calls);
  }, 90_000);

  it("another replica's answers that only settle (final text out, buttons left to swap) owe no final there", async () => {
    const scope = "slack:T3:chat.update";
    const settlingSide = await openReplica();
    const other = await openReplica();
    const a = settlingSide.registry.forScope(scope, RATE) as SharedScopeBudget;
    const b = other.registry.forScope(scope, RATE) as SharedScopeBudget;
    const leaves = Array.from({ length: 10 }, () => a.join());
    const leaveB = b.join();
    expect(await within(5_000, () => b.active === 11)).toBe(true);
    // The window is spent, so the ten answers' settling calls (their buttons-only edits) wait in it.
    for (let i = 0; i < RATE.calls; i++) (await a.take(undefined, { kind: "final" }))?.();
    const swapsEnd = new AbortController();
    const swaps = leaves.map(() => a.take(swapsEnd.signal, settlingClaim(now())).catch(() => undefined));
    // The other replica keeps a final for its own answer only; this one still counts its ten (its scheduler takes
    // the settling ones off from the claims it holds).
    expect(await within(5_000, () => b.active === 1)).toBe(true);
    expect(a.active).toBe(11);
    swapsEnd.abort(new Error("test over"));
    await Promise.all(swaps);
    for (const leave of leaves) leave();
    leaveB();
  }, 30_000);

  it("a replica that dies (its count left in Redis) stops counting for the others after the expiry", async () => {
    const scope = "slack:T2:chat.update";
    const dying = await openReplica({ answerCountTtlMs: 1_000 });
    const alive = await openReplica({ answerCountTtlMs: 1_000 });
    const dyingBudget = dying.registry.forScope(scope, RATE);
    const aliveBudget = alive.registry.forScope(scope, RATE);
    for (let i = 0; i < 10; i++) dyingBudget.join();
    const leave = aliveBudget.join();
    expect(await within(5_000, () => aliveBudget.active === 11)).toBe(true);

    // It dies: its connection goes without a word, and its ten answers never leave.
    await dying.store.close();
    // The living replica renews its own count meanwhile, and drops the dead one's once it expired.
    expect(await within(10_000, () => aliveBudget.active === 1)).toBe(true);
    leave();
    expect(aliveBudget.active).toBe(0);
  }, 30_000);
});
