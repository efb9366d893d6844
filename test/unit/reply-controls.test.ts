/**
 * Answer controls in the streamer (ReplyTarget.controls): while the answer streams only its last message carries
 * Stop; at the end only the last carries feedback, even when the final text equals what was already shown; a
 * target without controls is never asked for any.
 */
import { expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { MemoryTarget } from "../support/memory-target.js";
import { streamReply } from "../../src/reply/stream-reply.js";
import type { MessageControls, MessageRef } from "../../src/reply/target.js";
import { answerSteps, play } from "./reply-support.js";

/** A memory target that draws controls: it keeps each message's current buttons, and every state they went through. */
class ControlsTarget extends MemoryTarget {
  readonly controls = true;
  readonly shown = new Map<string, MessageControls | undefined>();
  /** After each call: the controls of every message, in order. */
  readonly history: Array<Array<MessageControls | undefined>> = [];

  override async post(text: string, controls?: MessageControls): Promise<MessageRef> {
    const ref = await super.post(text);
    this.shown.set(ref.id, controls);
    this.snapshot();
    return ref;
  }

  override async edit(ref: MessageRef, text: string, controls?: MessageControls): Promise<void> {
    await super.edit(ref, text);
    this.shown.set(ref.id, controls);
    this.snapshot();
  }

  private snapshot(): void {
    this.history.push(this.order.map((id) => this.shown.get(id)));
  }
}

function setup(Target: typeof MemoryTarget, maxMessageLength: number) {
  const clock = new ManualClock();
  const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
  const target = new Target({ clock, budget, maxMessageLength, latencyMs: 50, canDelete: true });
  return { clock, target };
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} says something plain`).join("\n");

it("Stop on the last message while streaming, feedback on the last message at the end, none elsewhere", async () => {
  const { clock, target } = setup(ControlsTarget, 200);
  const text = lines(20);
  const cuts = Array.from({ length: 40 }, (_, i) => Math.floor(((i + 1) * text.length) / 41));
  await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, cuts, 500)), target, { clock }));
  const t = target as ControlsTarget;
  expect(t.order.length).toBeGreaterThan(2);
  // While streaming, every state showed at most one Stop, and only ever on the newest message.
  for (const state of t.history.slice(0, -1)) {
    const stops = state.flatMap((c, i) => (c === "stop" ? [i] : []));
    expect(stops.length).toBeLessThanOrEqual(1);
    if (stops.length === 1) expect(stops[0]).toBe(state.length - 1);
  }
  expect(t.order.map((id) => t.shown.get(id))).toEqual([...t.order.slice(1).map(() => "none"), "feedback"]);
});

it("an answer whose final text is already shown is still edited once, to swap Stop for feedback", async () => {
  const { clock, target } = setup(ControlsTarget, 4000);
  // One delta with the whole text long before the end: the streaming edit already shows the final text.
  const text = "plain words only";
  const steps = [...answerSteps(text, [], 10).slice(0, -2), { type: "wait" as const, ms: 5_000 }, ...answerSteps(text, [], 10).slice(-2)];
  await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock }));
  const t = target as ControlsTarget;
  const last = t.calls.at(-1)!;
  expect(last).toMatchObject({ kind: "edit", text });
  expect(t.shown.get(t.order[0]!)).toBe("feedback");
});

it("a target without controls is never asked for any and sees no extra calls", async () => {
  const { clock, target } = setup(MemoryTarget, 4000);
  const seen: unknown[] = [];
  const post = target.post.bind(target);
  const edit = target.edit.bind(target);
  target.post = (text: string, ...rest: unknown[]) => {
    seen.push(...rest);
    return post(text);
  };
  target.edit = (ref: MessageRef, text: string, ...rest: unknown[]) => {
    seen.push(...rest);
    return edit(ref, text);
  };
  await clock.runUntilSettled(streamReply(play(clock, answerSteps("plain words only", [5], 10)), target, { clock }));
  expect(seen).toEqual([]);
});
