/**
 * The streamer end to end on a virtual clock and an in-memory platform: properties over random answers and
 * random delta splits, and the scripted cases (429 bursts, retries, tools, failures).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import slackify from "slackify-markdown";
import { ManualClock } from "../support/manual-clock.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { MemoryTarget, PlatformRateLimit, type MemoryCall } from "../support/memory-target.js";
import { streamReply, type ReplyOutcome } from "../../src/reply/stream-reply.js";
import { tablesToText } from "../../src/reply/markdown/tables.js";
import { RateLimitedError } from "../../src/reply/target.js";
import { UNDELIVERED_NOTE, failureSentence } from "../../src/reply/notices.js";
import { NOTICE_ATTEMPTS } from "../../src/reply/delivery-retry.js";
import { answer, cutsFor } from "./reply-arbitraries.js";
import { answerSteps, fencesBalanced, joinReply, play, type Step } from "./reply-support.js";
import { peakInWindow } from "../support/peak-in-window.js";

const discordRender = (md: string) => tablesToText(md);
const slackRender = (md: string) => slackify(tablesToText(md));

type Platform = "discord" | "slack";

function setup(platform: Platform, limit: number, opts: { latencyMs?: number; failNext?: (c: { kind: MemoryCall["kind"]; index: number }) => Error | undefined; canDelete?: boolean } = {}) {
  const clock = new ManualClock();
  const rate = platform === "discord" ? { calls: 5, perMs: 5000 } : { calls: 50, perMs: 60_000 };
  const budget = new ScopeBudget(rate, clock);
  const limitOnServer = new PlatformRateLimit(rate.calls, rate.perMs, clock);
  const target = new MemoryTarget({
    clock,
    budget,
    maxMessageLength: limit,
    render: platform === "discord" ? discordRender : slackRender,
    latencyMs: opts.latencyMs ?? 80,
    limit: limitOnServer,
    postsCountAgainstLimit: platform === "discord",
    postUsesBudget: platform === "discord",
    canDelete: opts.canDelete ?? true,
    ...(opts.failNext ? { failNext: opts.failNext } : {}),
  });
  return { clock, budget, target, rate, limitOnServer };
}

function budgetedCalls(target: MemoryTarget, platform: Platform): MemoryCall[] {
  return target.calls.filter((c) => c.kind !== "post" || platform === "discord");
}

function checkReply(target: MemoryTarget, outcome: ReplyOutcome, platform: Platform, rate: { calls: number; perMs: number }, render: (md: string) => string, expectedMarkdown: string) {
  const texts = target.visibleTexts();
  for (const call of target.calls) {
    expect(call.outcome, `call ${call.kind} failed`).not.toBe("failed");
    if (call.text !== undefined) expect(call.text.length).toBeLessThanOrEqual(target.maxMessageLength);
  }
  for (const text of texts) expect(fencesBalanced(text), text).toBe(true);
  expect(outcome.markdown).toBe(expectedMarkdown);
  expect(joinReply(texts)).toBe(render(expectedMarkdown));
  expect(outcome.text).toBe(render(expectedMarkdown));
  expect(outcome.messages.map((m) => m.id)).toEqual(target.order);
  expect(peakInWindow(budgetedCalls(target, platform).map((c) => c.at), rate.perMs)).toBeLessThanOrEqual(rate.calls);
}

describe("streamReply properties", () => {
  for (const platform of ["discord", "slack"] as const) {
    it(`${platform}: within the limit, fences balanced, joined text equals the rendered answer, rate within budget`, async () => {
      const render = platform === "discord" ? discordRender : slackRender;
      const seen = { runs: 0, multi: 0, reopened: 0 };
      await fc.assert(
        fc.asyncProperty(
          answer(1, 14).chain((text) => fc.tuple(fc.constant(text), cutsFor(text))),
          fc.integer({ min: 300, max: 2000 }),
          fc.integer({ min: 5, max: 120 }),
          async ([text, cuts], limit, gapMs) => {
            const { clock, target, rate } = setup(platform, limit);
            const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, cuts, gapMs)), target, { clock }));
            expect(outcome.status).toBe("complete");
            checkReply(target, outcome, platform, rate, render, text.trim());
            seen.runs++;
            if (outcome.messages.length > 1) seen.multi++;
            joinReply(target.visibleTexts(), seen);
          },
        ),
        { numRuns: 60 },
      );
      // The generated answers do exercise continuations. (Whether a random run also splits inside a code block
      // depends on where the text stood at each edit; the case below makes sure that path is always taken.)
      // (About a third of the runs continue into a second message; a fifth would fail about 3 % of the time.)
      expect(seen.multi).toBeGreaterThan(seen.runs / 20);
    });

    it(`${platform}: a code block longer than a message is closed and reopened with its language, while streaming`, async () => {
      const render = platform === "discord" ? discordRender : slackRender;
      const code = Array.from({ length: 80 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`).join("\n");
      const text = `Here is the script:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
      const cuts = Array.from({ length: 200 }, (_, i) => Math.floor(((i + 1) * text.length) / 201));
      const { clock, target, rate } = setup(platform, 1000);
      const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, cuts, 20)), target, { clock }));
      expect(outcome.status).toBe("complete");
      checkReply(target, outcome, platform, rate, render, text.trim());
      const seen = { reopened: 0 };
      joinReply(target.visibleTexts(), seen);
      expect(target.visibleTexts().length).toBeGreaterThanOrEqual(3);
      expect(seen.reopened).toBeGreaterThanOrEqual(2);
    });
  }

  it("a burst of 429s delays the final text but never loses it", async () => {
    await fc.assert(
      fc.asyncProperty(
        answer(1, 8).chain((text) => fc.tuple(fc.constant(text), cutsFor(text))),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 100, max: 10_000 }),
        async ([text, cuts], pattern, retryAfter) => {
          let n = 0;
          const { clock, target, rate } = setup("discord", 700, {
            // A burst: the first calls answer 429 per the pattern, and so does every call of the final phase's start.
            failNext: () => (pattern[n++ % pattern.length] && n < 60 ? new RateLimitedError(retryAfter) : undefined),
          });
          const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, cuts, 30)), target, { clock }));
          expect(outcome.status).toBe("complete");
          checkReply(target, outcome, "discord", rate, discordRender, text.trim());
          const limited = target.calls.filter((c) => c.outcome === "rate_limited").length;
          expect(outcome.rateLimited).toBe(limited);
          // After each 429 nothing was sent before its retry-after had passed.
          target.calls.forEach((c, i) => {
            if (c.outcome !== "rate_limited") return;
            const next = target.calls[i + 1];
            if (next) expect(next.at).toBeGreaterThanOrEqual(c.at + 80 + retryAfter);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a retry never duplicates text, whatever the point it happens at", async () => {
    await fc.assert(
      fc.asyncProperty(
        answer(1, 10).chain((text) => fc.tuple(fc.constant(text), cutsFor(text), fc.integer({ min: 0, max: text.length }))),
        fc.integer({ min: 300, max: 1500 }),
        fc.boolean(),
        async ([text, cuts, abandonAt], limit, canDelete) => {
          const { clock, target, rate } = setup("discord", limit, { canDelete });
          const firstTry = answerSteps(text.slice(0, abandonAt), cuts, 20).filter((s) => s.type === "delta" || s.type === "wait");
          const steps: Step[] = [
            ...firstTry,
            { type: "retry", attempt: 1, delayMs: 2000, failure: { kind: "timeout", message: "timed out" } },
            { type: "wait", ms: 2000 },
            ...answerSteps(text, cuts, 20),
          ];
          const outcome = await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock }));
          expect(outcome.retries).toBe(1);
          const answerTexts = outcome.messages.map((m) => target.texts.get(m.id)!);
          expect(joinReply(answerTexts)).toBe(discordRender(text.trim()));
          if (canDelete) checkReply(target, outcome, "discord", rate, discordRender, text.trim());
          else for (const ref of outcome.leftovers) expect(target.texts.get(ref.id)).toBe("…");
        },
      ),
      { numRuns: 40 },
    );
  });
  it("a model call the runtime retries itself (message_discarded) never shows its text twice", async () => {
    await fc.assert(
      fc.asyncProperty(
        answer(1, 10).chain((text) => fc.tuple(fc.constant(text), cutsFor(text), fc.integer({ min: 0, max: text.length }))),
        fc.integer({ min: 300, max: 1500 }),
        async ([text, cuts, abandonAt], limit) => {
          const { clock, target, rate } = setup("discord", limit, { canDelete: true });
          const firstCall = answerSteps(text.slice(0, abandonAt), cuts, 20, "call-1").filter(
            (s) => s.type === "delta" || s.type === "wait",
          );
          const steps: Step[] = [
            ...firstCall,
            { type: "message_discarded", messageId: "call-1" },
            ...answerSteps(text, cuts, 20, "call-2"),
          ];
          const outcome = await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock }));
          expect(outcome.status).toBe("complete");
          checkReply(target, outcome, "discord", rate, discordRender, text.trim());
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("streamReply cases", () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

  it("posts the placeholder at once, then the first words as soon as the budget allows", async () => {
    const { clock, target } = setup("discord", 2000);
    const steps: Step[] = [{ type: "wait", ms: 3000 }, ...answerSteps(`${words(40)}.`, [3, 6, 9, 12, 15, 18], 50)];
    const seen: number[] = [];
    const outcome = await clock.runUntilSettled(
      streamReply(play(clock, steps), target, { clock, placeholder: "_Working on it…_", observer: { onFirstVisible: (ms) => seen.push(ms) } }),
    );
    expect(target.calls[0]).toMatchObject({ kind: "post", at: 0, text: "_Working on it…_" });
    // First delta at 3050; its first whole word is visible after one call's latency.
    const firstWords = target.calls.find((c) => c.kind === "edit")!;
    expect(firstWords.at).toBeLessThanOrEqual(3150);
    expect(outcome.firstVisibleMs).toBe(seen[0]);
    expect(outcome.firstVisibleMs).toBeLessThanOrEqual(200);
  });

  it("the placeholder takes a free slot even while the budget holds first words back for running answers' finals", async () => {
    const { clock, budget, target } = setup("discord", 2000);
    // Nine other answers streaming in the scope: with this one, ten finals due within the answers' life, more than
    // the window's five calls, so first words wait; the placeholder, a one-off call, does not.
    const others = Array.from({ length: 9 }, () => budget.join());
    const steps: Step[] = [{ type: "wait", ms: 3000 }, ...answerSteps(`${words(40)}.`, [3, 6, 9], 50)];
    const outcome = await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock, placeholder: "_Working on it…_" }));
    expect(target.calls[0]).toMatchObject({ kind: "post", at: 0, text: "_Working on it…_" });
    expect(outcome.status).toBe("complete");
    for (const leave of others) leave();
  });

  it("one call in flight at a time, and only the newest text is sent (no stale queue)", async () => {
    const { clock, target } = setup("slack", 4000, { latencyMs: 700 });
    let inFlight = 0;
    let most = 0;
    const realEdit = target.edit.bind(target);
    target.edit = async (ref, text) => {
      most = Math.max(most, ++inFlight);
      try {
        await realEdit(ref, text);
      } finally {
        inFlight--;
      }
    };
    const text = words(400);
    const cuts = Array.from({ length: 400 }, (_, i) => i * 5);
    await clock.runUntilSettled(streamReply(play(clock, answerSteps(text, cuts, 20)), target, { clock }));
    expect(most).toBe(1);
    const edits = target.calls.filter((c) => c.kind === "edit");
    // Every edit shows more than the one before: never an older text after a newer one.
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.text!.length).toBeGreaterThan(edits[i - 1]!.text!.length);
    expect(edits.length).toBeLessThan(60);
  });

  it("shows a tool's status line while it runs and removes it when the answer goes on", async () => {
    const { clock, target } = setup("discord", 2000);
    const steps: Step[] = [
      { type: "delta", text: "Let me look. ", messageId: "a" },
      { type: "message", content: "Let me look.", messageId: "a", hasToolRequests: true },
      { type: "tool_start", toolCallId: "t1", toolName: "read_file" },
      { type: "wait", ms: 6000 },
      { type: "tool_end", toolCallId: "t1", toolName: "read_file", success: true },
      { type: "delta", text: "It says hello. ", messageId: "b" },
      { type: "wait", ms: 3000 },
      { type: "message", content: "It says hello.", messageId: "b", hasToolRequests: false },
      { type: "done", aborted: false },
    ];
    const outcome = await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock }));
    expect(target.calls.some((c) => c.text?.includes("_Running `read_file`…_"))).toBe(true);
    expect(target.visibleTexts()).toEqual(["Let me look.\n\nIt says hello."]);
    expect(outcome.status).toBe("complete");
  });

  it("ends a failed answer with one sentence, keeping the partial text", async () => {
    const { clock, target } = setup("discord", 2000);
    const steps: Step[] = [
      { type: "delta", text: "Here is code:\n\n```ts\nconst a = 1;\n", messageId: "a" },
      { type: "wait", ms: 1000 },
      { type: "error", failure: { kind: "rate_limit", message: "429 from provider", statusCode: 429 } },
    ];
    const outcome = await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock }));
    expect(outcome.status).toBe("failed");
    expect(outcome.failure?.kind).toBe("rate_limit");
    expect(target.visibleTexts()).toEqual([`Here is code:\n\n\`\`\`ts\nconst a = 1;\n\`\`\`\n\n${failureSentence("rate_limit")}`]);
  });

  it("says so when the answer is empty, and notes a stop", async () => {
    const empty = setup("discord", 2000);
    const e = await empty.clock.runUntilSettled(
      streamReply(play(empty.clock, [{ type: "done", aborted: false }]), empty.target, { clock: empty.clock }),
    );
    expect(e.status).toBe("empty");
    expect(empty.target.visibleTexts()).toEqual(["_The model returned an empty answer._"]);

    const stopped = setup("discord", 2000);
    const s = await stopped.clock.runUntilSettled(
      streamReply(
        play(stopped.clock, [{ type: "delta", text: "Half an ans", messageId: "a" }, { type: "done", aborted: true }]),
        stopped.target,
        { clock: stopped.clock },
      ),
    );
    expect(s.status).toBe("aborted");
    expect(stopped.target.visibleTexts()).toEqual(["Half an ans\n\n_(Stopped.)_"]);
  });

  it("an event stream that throws ends the reply with the generic sentence", async () => {
    const { clock, target } = setup("discord", 2000);
    async function* broken() {
      yield { type: "delta" as const, text: "Partial ", messageId: "a" };
      throw new Error("socket closed");
    }
    const outcome = await clock.runUntilSettled(streamReply(broken(), target, { clock }));
    expect(outcome.status).toBe("failed");
    expect(target.visibleTexts()).toEqual([`Partial\n\n${failureSentence("other")}`]);
  });

  it("gives up after repeated refusals and says so in the outcome, without throwing", async () => {
    const { clock, target } = setup("discord", 2000, { failNext: () => new Error("HTTP 400") });
    const outcome = await clock.runUntilSettled(streamReply(play(clock, answerSteps("hello there", [], 10)), target, { clock }));
    expect(outcome.status).toBe("failed");
    expect(outcome.deliveryError?.message).toBe("HTTP 400");
    // Three tries of the reply, then three of the sentence saying it could not be delivered.
    expect(target.calls).toHaveLength(3 + NOTICE_ATTEMPTS);
    expect(target.calls.at(-1)!.text).toBe(UNDELIVERED_NOTE);
  });

  it("a message that was continued is not edited again while the answer streams", async () => {
    const { clock, target } = setup("discord", 400);
    const code = Array.from({ length: 25 }, (_, i) => `let v${i} = f(${i});`).join("\n");
    const text = `${words(120)}.\n\n\`\`\`ts\n${code}\n\`\`\`\n\n${words(80)}.`;
    const cuts = Array.from({ length: Math.ceil(text.length / 4) }, (_, i) => i * 4);
    const finals: boolean[] = [];
    await clock.runUntilSettled(
      streamReply(play(clock, answerSteps(text, cuts, 20)), target, { clock, observer: { onCall: (c) => finals.push(c.final) } }),
    );
    expect(target.order.length).toBeGreaterThan(3);
    target.calls.forEach((call, i) => {
      if (call.kind !== "edit" || finals[i]) return;
      const next = target.order[target.order.indexOf(call.id) + 1];
      const nextPostedAt = target.calls.findIndex((c) => c.kind === "post" && c.id === next);
      expect(next === undefined || nextPostedAt < 0 || nextPostedAt > i, `streaming edit ${i} of a continued message`).toBe(true);
    });
    expect(joinReply(target.visibleTexts())).toBe(text);
  });

  it("holds a table row back until the table is confirmed", async () => {
    const { clock, target } = setup("discord", 2000);
    const steps: Step[] = [
      { type: "delta", text: "Intro text here.\n\n| name | age |\n", messageId: "a" },
      { type: "wait", ms: 3000 },
      { type: "delta", text: "|---|---|\n| ann | 3 |\n", messageId: "a" },
      { type: "wait", ms: 3000 },
      { type: "done", aborted: false },
    ];
    await clock.runUntilSettled(streamReply(play(clock, steps), target, { clock }));
    const texts = target.calls.filter((c) => c.kind === "edit").map((c) => c.text!);
    expect(texts[0]).toBe("Intro text here.\n\n");
    expect(texts.some((t) => t.includes("| name | age |"))).toBe(false);
    expect(texts.at(-1)).toBe("Intro text here.\n\n```\nname | age\n-----+----\nann  | 3\n```");
  });
});
