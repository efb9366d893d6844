/**
 * The peer editing strategies the end-to-end benchmark compares against (bench/strategies), on a virtual
 * clock and an in-memory platform: they keep their timer, honour a 429's Retry-After, never lose text, and the
 * Answerer uses whichever strategy it is given.
 */
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { Answerer } from "../../src/core/answer.js";
import { ManualClock } from "../support/manual-clock.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { MemoryTarget, PlatformRateLimit } from "../support/memory-target.js";
import {
  fixedTimerReply,
  flushIntoMessages,
  replyStrategy,
  slackAdapterOptions,
  STRATEGY_NAMES,
} from "../../bench/strategies/index.js";
import { streamAnswer } from "../../src/reply/native-stream-reply.js";
import type { ReplyStrategy } from "../../src/reply/stream-reply.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { answerSteps, play } from "./reply-support.js";

const WORDS = Array.from({ length: 60 }, (_, i) => `word${i}`);
const TEXT = WORDS.join(" ");

function setup(limit?: PlatformRateLimit, clock = new ManualClock(), maxMessageLength = 4000) {
  const target = new MemoryTarget({
    clock,
    budget: new ScopeBudget({ calls: 50, perMs: 60_000 }, clock),
    maxMessageLength,
    latencyMs: 50,
    ...(limit ? { limit } : {}),
    postsCountAgainstLimit: false,
    postUsesBudget: false,
  });
  return { clock, target };
}

/** One word every 100 ms: a 6-second answer. */
function events(clock: ManualClock, text = TEXT): AsyncIterable<RuntimeEvent> {
  const cuts = [...text.matchAll(/ /g)].map((m) => m.index + 1);
  return play(clock, answerSteps(text, cuts, 100));
}

async function run(strategy: ReplyStrategy, clock: ManualClock, target: MemoryTarget, text = TEXT) {
  return clock.runUntilSettled(strategy(events(clock, text), target, { clock }));
}

describe("fixed-timer strategy", () => {
  it("posts a placeholder, edits on its timer (never more often), and ends with the whole answer", async () => {
    const { clock, target } = setup();
    const outcome = await run(fixedTimerReply(500), clock, target);
    expect(outcome.status).toBe("complete");
    expect(target.visibleTexts()).toEqual([TEXT]);
    const [placeholder, ...edits] = target.calls;
    expect(placeholder!.kind).toBe("post");
    expect(placeholder!.text).toMatch(/Thinking/);
    // Streaming edits start on 500 ms ticks; only the final edit may come between two ticks.
    const streaming = edits.slice(0, -1);
    expect(streaming.length).toBeGreaterThanOrEqual(8);
    for (const edit of streaming) expect(edit.at % 500).toBe(0);
    const gaps = streaming.slice(1).map((e, i) => e.at - streaming[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(outcome.edits).toBe(edits.length);
  });

  it("a slower timer edits less often", async () => {
    const fast = setup();
    const slow = setup();
    const a = await run(fixedTimerReply(500), fast.clock, fast.target);
    const b = await run(fixedTimerReply(1000), slow.clock, slow.target);
    expect(b.edits).toBeLessThan(a.edits);
  });

  it("ignores any shared budget: over the platform's limit it draws 429s, waits out Retry-After, and loses nothing", async () => {
    const clock = new ManualClock();
    const limit = new PlatformRateLimit(3, 10_000, clock);
    const { target } = setup(limit, clock);
    const outcome = await run(fixedTimerReply(500), clock, target);
    expect(outcome.rateLimited).toBeGreaterThan(0);
    expect(limit.rejected).toBe(outcome.rateLimited);
    // After each 429 the reply waits until the window frees before its next edit.
    const limited = target.calls.findIndex((c) => c.outcome === "rate_limited");
    const next = target.calls.slice(limited + 1).find((c) => c.kind === "edit");
    expect(next!.at - target.calls[limited]!.at).toBeGreaterThanOrEqual(1000);
    expect(target.visibleTexts()).toEqual([TEXT]);
    expect(outcome.status).toBe("complete");
  });

  it("continues a long answer in new messages, split like the product's", async () => {
    const { clock, target } = setup(undefined, new ManualClock(), 100);
    const outcome = await run(fixedTimerReply(500), clock, target);
    expect(outcome.messages.length).toBeGreaterThan(1);
    expect(target.visibleTexts().join("")).toBe(TEXT);
    expect(target.visibleTexts().every((t) => t.length <= 100)).toBe(true);
  });
});

describe("flush-into-messages strategy", () => {
  it("never edits: posts what arrived every 2 s, whole words only, and the rest at the end", async () => {
    const { clock, target } = setup();
    const outcome = await run(flushIntoMessages(2000), clock, target);
    expect(outcome.edits).toBe(0);
    expect(target.calls.every((c) => c.kind === "post")).toBe(true);
    expect(target.calls.length).toBeGreaterThanOrEqual(3);
    // Streaming flushes land on 2 s ticks; the words, in order, are the answer's.
    for (const call of target.calls.slice(0, -1)) expect(call.at % 2000).toBe(0);
    expect(target.visibleTexts().join(" ").split(/\s+/)).toEqual(WORDS);
    expect(outcome.status).toBe("complete");
  });

  it("posts the same text again after a 429 instead of dropping it", async () => {
    const clock = new ManualClock();
    const limit = new PlatformRateLimit(1, 3_000, clock);
    const target = new MemoryTarget({
      clock,
      budget: new ScopeBudget({ calls: 50, perMs: 60_000 }, clock),
      maxMessageLength: 4000,
      latencyMs: 50,
      limit,
      postsCountAgainstLimit: true,
    });
    const outcome = await run(flushIntoMessages(2000), clock, target);
    expect(outcome.rateLimited).toBeGreaterThan(0);
    expect(target.visibleTexts().join(" ").split(/\s+/)).toEqual(WORDS);
  });
});

describe("choosing a strategy", () => {
  it("knows every benchmark name and refuses others with a clear sentence", () => {
    for (const name of STRATEGY_NAMES.filter((n) => n !== "chat-sdk")) expect(typeof replyStrategy(name)).toBe("function");
    // "ours" is the product as users run it: the Answerer's default streamer (native where it prefers it).
    expect(replyStrategy("ours")).toBe(streamAnswer);
    expect(replyStrategy("ours-edits")).toBe(streamAnswer);
    expect(slackAdapterOptions("ours-edits")).toEqual({ nativeStreaming: false });
    expect(slackAdapterOptions("ours")).toEqual({});
    expect(() => replyStrategy("chat-sdk")).toThrow(/streams into one Slack thread/);
    expect(() => replyStrategy("fastest")).toThrow(/Unknown reply strategy "fastest"; use one of ours, /);
    expect(() => fixedTimerReply(0)).toThrow(RangeError);
  });

  it("the Answerer streams through the strategy it is given", async () => {
    const clock = new ManualClock();
    const { target } = setup(undefined, clock);
    const runtime = { stream: () => events(clock) };
    let used = 0;
    const counting: ReplyStrategy = (e, t, o) => {
      used++;
      return flushIntoMessages(2000)(e, t, { ...o, clock });
    };
    const answerer = new Answerer({ runtime, logger: pino({ level: "silent" }), historyCharBudget: 1000, replyStrategy: counting });
    const outcome = await clock.runUntilSettled(
      answerer.answer({ platform: "slack", threadKey: "t", history: [{ role: "user", speaker: "a", text: "hi", imageCount: 0 }], images: [], target }),
    );
    expect(used).toBe(1);
    expect(outcome?.edits).toBe(0);
    expect(target.visibleTexts().join(" ").split(/\s+/)).toEqual(WORDS);
  });
});
