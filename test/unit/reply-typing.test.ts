/** The typing indicator on a virtual clock: renewed while nothing new shows (before words, during a tool), never after. */
import { expect, test } from "vitest";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { streamReply } from "../../src/reply/stream-reply.js";
import { ManualClock } from "../support/manual-clock.js";
import { MemoryTarget } from "../support/memory-target.js";
import { play, type Step } from "./reply-support.js";

/** A memory target that shows typing and says it lapses (renewed every 8 s, as on Discord). */
class TypingTarget extends MemoryTarget {
  readonly typingAt: number[] = [];
  constructor(
    private readonly clockRef: ManualClock,
    readonly typingRenewMs: number | undefined,
  ) {
    super({ clock: clockRef, budget: new ScopeBudget({ calls: 5, perMs: 5_000 }, clockRef), maxMessageLength: 2_000, latencyMs: 50, postUsesBudget: true });
  }
  async typing(): Promise<void> {
    this.typingAt.push(this.clockRef.now());
  }
}

const slowStartThenTool: Step[] = [
  { type: "wait", ms: 30_000 },
  { type: "delta", text: "Let me look. ", messageId: "m1" },
  { type: "wait", ms: 2_000 },
  { type: "tool_start", toolCallId: "t1", toolName: "read_thread" },
  { type: "wait", ms: 20_000 },
  { type: "tool_end", toolCallId: "t1", toolName: "read_thread", success: true },
  { type: "delta", text: "Found it.", messageId: "m1" },
  { type: "wait", ms: 30_000 },
  { type: "message", content: "Let me look. Found it.", messageId: "m1", hasToolRequests: false },
  { type: "done", aborted: false },
];

test("typing is renewed every 8 s until the first words, again while a tool runs, and not after the answer", async () => {
  const clock = new ManualClock();
  const target = new TypingTarget(clock, 8_000);
  const outcome = await clock.runUntilSettled(streamReply(play(clock, slowStartThenTool), target, { clock }));
  expect(outcome.text).toBe("Let me look. Found it.");
  const beforeWords = target.typingAt.filter((t) => t < 30_000);
  expect(beforeWords).toEqual([0, 8_000, 16_000, 24_000]);
  const duringTool = target.typingAt.filter((t) => t >= 32_000 && t <= 52_000);
  expect(duringTool.length).toBeGreaterThanOrEqual(2);
  // The 30 s after the tool show new words: no typing then, nor after the end.
  expect(target.typingAt.filter((t) => t > 56_000)).toEqual([]);
  await clock.advance(60_000);
  expect(target.typingAt.filter((t) => t > 56_000)).toEqual([]);
});

test("a target without a renewal interval gets the single typing call it always had", async () => {
  const clock = new ManualClock();
  const target = new TypingTarget(clock, undefined);
  await clock.runUntilSettled(streamReply(play(clock, slowStartThenTool), target, { clock }));
  expect(target.typingAt).toEqual([0]);
});
