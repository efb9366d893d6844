/**
 * The platform failing a reply's calls, on a virtual clock: the retry policy on its own, and the streamer over an
 * in-memory platform that fails on a schedule (5xx-like passing failures, refusals, an outage past the bound).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { MemoryTarget, PlatformRateLimit } from "../support/memory-target.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { DELIVERY_RETRY_MS, DeliveryRetry, NOTICE_ATTEMPTS, backoffMs } from "../../src/reply/delivery-retry.js";
import { UNDELIVERED_NOTE } from "../../src/reply/notices.js";
import { streamReply } from "../../src/reply/stream-reply.js";
import { TransientPlatformError, type CallDone, type EditBudget } from "../../src/reply/target.js";
import { answerSteps, play } from "./reply-support.js";

const transient = () => new TransientPlatformError("HTTP 500");

describe("DeliveryRetry", () => {
  it("tries passing failures again with growing waits until the bound, the last try on the bound itself", async () => {
    const clock = new ManualClock();
    const retry = new DeliveryRetry(clock, { retryForMs: 30_000, refusedAttempts: 3 });
    const waits: number[] = [];
    for (;;) {
      const decision = retry.failed(transient());
      if ("giveUp" in decision) break;
      waits.push(decision.retryInMs);
      await clock.advance(decision.retryInMs);
    }
    expect(waits.slice(0, 6)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(clock.now()).toBe(30_000);
  });

  it("gives a refusal that will not pass a few tries only", () => {
    const clock = new ManualClock();
    const retry = new DeliveryRetry(clock, { retryForMs: DELIVERY_RETRY_MS, refusedAttempts: 3 });
    expect(retry.failed(new Error("msg_too_long"))).toEqual({ retryInMs: 500 });
    expect(retry.failed(new Error("msg_too_long"))).toEqual({ retryInMs: 1_000 });
    expect(retry.failed(new Error("msg_too_long"))).toEqual({ giveUp: true });
  });

  it("starts over after a success", async () => {
    const clock = new ManualClock();
    const retry = new DeliveryRetry(clock, { retryForMs: 5_000, refusedAttempts: 3 });
    retry.failed(transient());
    await clock.advance(4_900);
    retry.succeeded();
    await clock.advance(1_000);
    // 5.9 s after the first failure, but the first of a new run of failures.
    expect(retry.failed(transient())).toEqual({ retryInMs: 500 });
  });

  it("caps tries of any kind when asked (the notice's few tries)", () => {
    const retry = new DeliveryRetry(new ManualClock(), { retryForMs: Infinity, refusedAttempts: 3, maxAttempts: 2 });
    expect("retryInMs" in retry.failed(transient())).toBe(true);
    expect(retry.failed(transient())).toEqual({ giveUp: true });
  });

  it("backs off from half a second to at most ten", () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(backoffMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });
});

/** A budget that counts its grants, so a test can prove no call went out without one. */
class CountingBudget implements EditBudget {
  granted = 0;
  constructor(private readonly inner: ScopeBudget) {}
  get calls() {
    return this.inner.calls;
  }
  get perMs() {
    return this.inner.perMs;
  }
  async take(signal?: AbortSignal): Promise<CallDone> {
    const done = await this.inner.take(signal);
    this.granted++;
    return done;
  }
  pause(ms: number): void {
    this.inner.pause(ms);
  }
}

/**
 * An in-memory platform (Discord-like: posts and edits share the budget) that fails every call in `[from, to)`,
 * with `error` (given the call's text) or a passing failure.
 */
function failingPlatform(outage: { from: number; to: number; error?: (text: string | undefined) => Error | undefined }) {
  const clock = new ManualClock();
  const rate = { calls: 5, perMs: 5_000 };
  const budget = new CountingBudget(new ScopeBudget(rate, clock));
  const target: MemoryTarget = new MemoryTarget({
    clock,
    budget,
    maxMessageLength: 2000,
    latencyMs: 50,
    limit: new PlatformRateLimit(rate.calls, rate.perMs, clock),
    postsCountAgainstLimit: true,
    postUsesBudget: true,
    failNext: ({ index }) => {
      const now = clock.now();
      if (now < outage.from || now >= outage.to) return undefined;
      return outage.error ? outage.error(target.calls[index]?.text) : transient();
    },
  });
  return { clock, budget, target };
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

describe("streamReply when the platform fails", () => {
  it("a 5 s outage while the answer streams: the final text is complete, every try granted by the budget", async () => {
    const text = words(120);
    const cuts = Array.from({ length: 60 }, (_, i) => i * 12);
    // The deltas come 100 ms apart for 6 s; the platform fails from the first words for 5 s.
    const { clock, budget, target } = failingPlatform({ from: 700, to: 5_700 });
    const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, cuts, 100)), target, { clock }));
    expect(outcome.status).toBe("complete");
    expect(outcome.deliveryError).toBeUndefined();
    expect(target.visibleTexts()).toEqual([text]);
    const failed = target.calls.filter((c) => c.outcome === "failed");
    // Tried again during the outage (the scheduler keeps one of the window's 5 calls for the final edit, so
    // streaming tries come about every 1.2 s, at least twice in 5 s).
    expect(failed.length).toBeGreaterThanOrEqual(2);
    // Never a call the budget did not grant, failed tries included.
    expect(target.calls.length).toBeLessThanOrEqual(budget.granted);
    // Every try carried the newest text: no try after a failure repeats an older text than the failed one had.
    const edits = target.calls.filter((c) => c.kind === "edit");
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.text!.length).toBeGreaterThanOrEqual(edits[i - 1]!.text!.length);
  });

  it("the answer is over while the platform is down: its final text lands once the platform is back", async () => {
    const text = words(30);
    const { clock, target } = failingPlatform({ from: 300, to: 60_000 });
    const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, [20, 40, 80], 100)), target, { clock }));
    expect(outcome.status).toBe("complete");
    expect(target.visibleTexts()).toEqual([text]);
    const lastOk = target.calls.filter((c) => c.outcome === "ok").at(-1)!;
    expect(lastOk.at).toBeGreaterThanOrEqual(60_000);
  });

  it("down past the bound: the reply's last successful write says the answer could not be delivered", async () => {
    const text = words(40);
    const bound = 10_000;
    // The first words land, then the platform fails until 3 s past the bound (within the notice's tries).
    const { clock, target } = failingPlatform({ from: 400, to: 400 + bound + 3_000 });
    const outcome = await clock.runUntilSettled(
      streamReply(play(clock, answerSteps(text, [5, 10, 15, 150], 100)), target, { clock, deliveryRetryMs: bound }),
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.deliveryError?.message).toBe("HTTP 500");
    const lastOk = target.calls.filter((c) => c.outcome === "ok").at(-1)!;
    expect(lastOk.text).toContain(UNDELIVERED_NOTE);
    // The words that had landed stay; the sentence follows them.
    const [shown] = target.visibleTexts();
    expect(shown).toMatch(/^word0.*\n\n/s);
    expect(shown!.endsWith(UNDELIVERED_NOTE)).toBe(true);
    expect(outcome.markdown).toBe(shown);
    // Nothing was tried after the notice landed.
    expect(target.calls.at(-1)).toBe(lastOk);
  });

  it("down for good: tries stop within the bound and a few notice tries, the last of them saying it", async () => {
    const bound = 20_000;
    const { clock, target } = failingPlatform({ from: 0, to: Infinity });
    const outcome = await clock.runUntilSettled(
      streamReply(play(clock, answerSteps(words(10), [5], 100)), target, { clock, deliveryRetryMs: bound }),
    );
    expect(outcome.status).toBe("failed");
    expect(target.calls.every((c) => c.outcome === "failed")).toBe(true);
    expect(target.calls.at(-1)!.text).toBe(UNDELIVERED_NOTE);
    expect(target.calls.filter((c) => c.text === UNDELIVERED_NOTE)).toHaveLength(NOTICE_ATTEMPTS);
    // Bounded: the bound, then the notice's tries at most ten seconds apart.
    expect(target.calls.at(-1)!.at).toBeLessThanOrEqual(bound + NOTICE_ATTEMPTS * 10_000 + 1_000);
  });

  it("a refusal is tried a few times, then the reply says it could not be delivered instead of keeping its placeholder", async () => {
    // Every text but the sentence is refused from the placeholder on (say, a text the platform will not take).
    const { clock, target } = failingPlatform({
      from: 150,
      to: Infinity,
      error: (text) => (text === UNDELIVERED_NOTE ? undefined : new Error("refused")),
    });
    const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps(words(10), [], 200)), target, { clock }));
    expect(outcome.status).toBe("failed");
    expect(outcome.deliveryError?.message).toBe("refused");
    expect(target.calls.filter((c) => c.outcome === "failed")).toHaveLength(3);
    expect(target.visibleTexts()).toEqual([UNDELIVERED_NOTE]);
  });
});
