/**
 * Answer controls in the streamer (ReplyTarget.controls): while the answer streams only its last message carries
 * Stop; at the end only the last carries feedback, even when the final text equals what was already shown; that
 * controls-only swap never takes the window's room from another answer's words; a target without controls is
 * never asked for any.
 */
import { expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { MemoryTarget, PlatformRateLimit, type MemoryTargetOptions } from "../support/memory-target.js";
import { streamReply } from "../../src/reply/stream-reply.js";
import type { MessageControls, MessageRef } from "../../src/reply/target.js";
import { answerSteps, play } from "./reply-support.js";

/** A memory target that draws controls: it keeps each message's current buttons, and every state they went through. */
class ControlsTarget extends MemoryTarget {
  readonly controls = true;
  readonly shown = new Map<string, MessageControls | undefined>();
  /** After each call: the controls of every message, in order. */
  readonly history: Array<Array<MessageControls | undefined>> = [];
  /** Every call that went through: when it was made, and whether it showed new text or changed only the buttons. */
  readonly made: Array<{ at: number; text: string; controls: MessageControls | undefined; textChanged: boolean }> = [];

  private readonly clock: MemoryTargetOptions["clock"];

  constructor(options: MemoryTargetOptions) {
    super(options);
    this.clock = options.clock;
  }

  override async post(text: string, controls?: MessageControls): Promise<MessageRef> {
    const at = this.clock.now();
    const ref = await super.post(text);
    this.made.push({ at, text, controls, textChanged: true });
    this.shown.set(ref.id, controls);
    this.snapshot();
    return ref;
  }

  override async edit(ref: MessageRef, text: string, controls?: MessageControls): Promise<void> {
    const at = this.clock.now();
    const before = this.texts.get(ref.id);
    await super.edit(ref, text);
    this.shown.set(ref.id, controls);
    this.made.push({ at, text, controls, textChanged: before !== text });
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

it("many short answers in a busy window: every final text goes before any controls-only swap; the swaps still go", async () => {
  const clock = new ManualClock();
  const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
  // Slack's chat.update limit, which the platform enforces whatever the budget does.
  const limit = new PlatformRateLimit(50, 60_000, clock);
  // 15 of the window's 50 edits were spent a moment ago by other replies.
  for (let i = 0; i < 15; i++) {
    (await budget.take(undefined, { kind: "final" }))();
    expect(limit.admit()).toBeUndefined();
  }
  const answers = 30;
  const lifeMs = 3_000;
  const startsEveryMs = 20;
  // Slack-like: posts have their own limit, edits draw from the workspace budget; the rendered text is trimmed.
  const targets = Array.from(
    { length: answers },
    () =>
      new ControlsTarget({
        clock,
        budget,
        limit,
        postsCountAgainstLimit: false,
        postUsesBudget: false,
        maxMessageLength: 4000,
        latencyMs: 50,
        render: (markdown) => markdown.trim(),
      }),
  );
  // When each reply told its observer the final text was shown (the time-to-final-edit metric).
  const finalTextSeenAt: number[] = [];
  const replies = targets.map(async (target, i) => {
    await clock.sleep(i * startsEveryMs);
    // The whole answer comes at once, well before the answer ends: its first edit can show it all, with Stop.
    const text = `Answer to question ${i}\n`;
    const [wait, delta, message, done] = answerSteps(text, [], 10);
    const steps = [wait!, delta!, { type: "wait" as const, ms: lifeMs - 10 }, message!, done!];
    return streamReply(play(clock, steps), target, { clock, observer: { onFinalText: () => (finalTextSeenAt[i] = clock.now()) } });
  });
  const outcomes = await clock.runUntilSettled(Promise.all(replies));

  // When each answer ended (its final text known), and when its reply first showed that text.
  const endedAt = targets.map((_, i) => i * startsEveryMs + lifeMs);
  const finalText = targets.map((t) => t.visibleTexts()[0]!);
  const textAt = targets.map((t, i) => t.made.find((e) => e.text === finalText[i])!.at);
  const swaps = targets.flatMap((t) => t.made.filter((e) => !e.textChanged).map((e) => e.at));
  // Every answer's final text went before any controls-only swap...
  expect(swaps.length).toBeGreaterThan(0);
  expect(Math.min(...swaps)).toBeGreaterThan(Math.max(...textAt));
  // Every final text went out without waiting for the window to renew.
  for (const [i, at] of textAt.entries()) expect(at - endedAt[i]!, `answer ${i}`).toBeLessThan(1_000);
  // The metric's moment is the text's, not the swap's: within the second after the answer ended, before its swap.
  for (const [i, t] of targets.entries()) {
    const swapAt = t.made.find((e) => !e.textChanged)!.at;
    expect(finalTextSeenAt[i]! - endedAt[i]!, `answer ${i}`).toBeLessThan(1_000);
    expect(finalTextSeenAt[i]!, `answer ${i}`).toBeLessThan(swapAt);
  }
  // And every reply ends with its feedback buttons: the swaps still happened.
  for (const [i, t] of targets.entries()) {
    expect(t.visibleTexts(), `answer ${i}`).toEqual([`Answer to question ${i}`]);
    expect(outcomes[i]!.status, `answer ${i}`).toBe("complete");
    expect(t.shown.get(t.order[0]!), `answer ${i}`).toBe("feedback");
  }
  expect(limit.rejected).toBe(0);
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
