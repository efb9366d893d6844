/**
 * Usage and its limits, unit by unit: the UTC day key and its reset, the day's ledger in the store (a new UTC day
 * starts from nothing), the bounded workspace label, the runtime's usage events read loosely, the tap that ends an
 * answer stopped at its credit limit, the sentences, and the Answerer refusing a question once the budget is spent.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Answerer } from "../../src/core/answer.js";
import { BoundedLabel, OTHER_LABEL } from "../../src/ops/bounded-label.js";
import { Metrics } from "../../src/ops/metrics.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { realClock } from "../../src/reply/clock.js";
import type { ModelUsage, RuntimeEvent } from "../../src/runtime/events.js";
import { SessionEventTranslator } from "../../src/runtime/session-events.js";
import type { AnswerRequest, AnswerRuntime } from "../../src/runtime/types.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { durationUntil, nextUtcMidnight, utcDayOf } from "../../src/usage/usage-day.js";
import { matchSubcommand } from "../../src/adapters/slack/copilot-subcommands.js";
import { usageSubcommand } from "../../src/adapters/slack/usage-subcommand.js";
import { UsageLedger } from "../../src/usage/usage-ledger.js";
import { answerLimitNote, budgetSpentSentence, usageReport } from "../../src/usage/usage-sentences.js";
import { tapUsage } from "../../src/usage/usage-tap.js";
import { counterValue } from "../support/bot-process.js";
import { MemoryTarget } from "../support/memory-target.js";

const logger = pino({ level: "silent" });
const NANO = 1_000_000_000;
const usage = (over: Partial<ModelUsage> = {}): ModelUsage => ({
  model: "m",
  inputTokens: 100,
  outputTokens: 10,
  cachedInputTokens: 0,
  nanoCredits: 0,
  ...over,
});
const slackT1 = { platform: "slack", workspace: "T1" };

describe("the UTC day", () => {
  it("keys a moment by its UTC calendar day, whatever the local time zone", () => {
    expect(utcDayOf(Date.UTC(2026, 10, 26, 0, 0, 0))).toBe("2026-11-26");
    expect(utcDayOf(Date.UTC(2026, 10, 26, 23, 59, 59, 999))).toBe("2026-11-26");
    expect(utcDayOf(Date.UTC(2026, 10, 27, 0, 0, 0))).toBe("2026-11-27");
    // Year and month ends roll over too.
    expect(utcDayOf(Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toBe("2026-12-31");
    expect(utcDayOf(Date.UTC(2027, 0, 1))).toBe("2027-01-01");
  });

  it("resets at the next 00:00 UTC", () => {
    expect(nextUtcMidnight(Date.UTC(2026, 10, 26, 13, 5))).toBe(Date.UTC(2026, 10, 27));
    expect(nextUtcMidnight(Date.UTC(2026, 10, 26))).toBe(Date.UTC(2026, 10, 27));
    expect(nextUtcMidnight(Date.UTC(2026, 11, 31, 23, 59))).toBe(Date.UTC(2027, 0, 1));
  });

  it("says how long until then in hours and minutes", () => {
    const now = Date.UTC(2026, 10, 26, 19, 40);
    expect(durationUntil(now, nextUtcMidnight(now))).toBe("4 h 20 min");
    expect(durationUntil(now, now + 12 * 60_000 + 30_000)).toBe("12 min");
    expect(durationUntil(now, now + 3 * 3_600_000)).toBe("3 h");
    expect(durationUntil(now, now + 10_000)).toBe("under a minute");
  });
});

describe("UsageLedger", () => {
  it("adds each call's credits and tokens to the workspace's day, apart from other workspaces and platforms", async () => {
    const store = new MemoryStore(logger);
    const ledger = new UsageLedger(store, {}, logger, () => Date.UTC(2026, 10, 26, 12));
    await ledger.record(slackT1, usage({ nanoCredits: 2.5 * NANO, cachedInputTokens: 40 }));
    await ledger.record(slackT1, usage({ nanoCredits: 1 * NANO, inputTokens: 50, outputTokens: 5 }));
    await ledger.record({ platform: "slack", workspace: "T2" }, usage({ nanoCredits: 9 * NANO }));
    await ledger.record({ platform: "discord", workspace: "T1" }, usage({ nanoCredits: 9 * NANO }));
    expect(await ledger.today(slackT1)).toEqual({
      day: "2026-11-26",
      nanoCredits: 3.5 * NANO,
      inputTokens: 150,
      outputTokens: 15,
      cachedInputTokens: 40,
    });
  });

  it("finds the budget spent once the day's credits reach it, and a new UTC day starts from nothing", async () => {
    let now = Date.UTC(2026, 10, 26, 23, 50);
    const ledger = new UsageLedger(new MemoryStore(logger), { dailyCredits: 10 }, logger, () => now);
    await ledger.record(slackT1, usage({ nanoCredits: 9.99 * NANO }));
    expect(await ledger.budgetSpent(slackT1)).toBeUndefined();
    await ledger.record(slackT1, usage({ nanoCredits: 0.01 * NANO }));
    const spent = await ledger.budgetSpent(slackT1);
    expect(spent).toMatchObject({ dailyCredits: 10, resetsAt: Date.UTC(2026, 10, 27), used: { nanoCredits: 10 * NANO } });
    // Another workspace has its own budget.
    expect(await ledger.budgetSpent({ platform: "slack", workspace: "T2" })).toBeUndefined();
    now = Date.UTC(2026, 10, 27, 0, 0, 1);
    expect(await ledger.budgetSpent(slackT1)).toBeUndefined();
    expect((await ledger.today(slackT1)).nanoCredits).toBe(0);
  });

  it("has no budget to spend when none is set", async () => {
    const ledger = new UsageLedger(new MemoryStore(logger), {}, logger);
    await ledger.record(slackT1, usage({ nanoCredits: 1_000 * NANO }));
    expect(await ledger.budgetSpent(slackT1)).toBeUndefined();
  });

  it("logs a store that cannot take the usage instead of failing the answer", async () => {
    const store = new MemoryStore(logger);
    await store.close();
    const broken = Object.assign(store, { addToCounter: async () => Promise.reject(new Error("store down")) });
    const ledger = new UsageLedger(broken, {}, logger);
    await expect(ledger.record(slackT1, usage({ nanoCredits: NANO }))).resolves.toBeUndefined();
  });
});

describe("BoundedLabel", () => {
  it("gives the first `cap` values their own label and counts the rest as other", () => {
    const label = new BoundedLabel(2);
    expect(["T1", "T2", "T3", "T1", "T4", "T2"].map((v) => label.of(v))).toEqual(["T1", "T2", OTHER_LABEL, "T1", OTHER_LABEL, "T2"]);
  });

  it("keeps the usage metrics' workspace label bounded", async () => {
    const metrics = new Metrics({ workspaceLabelCap: 1 });
    metrics.modelUsage("discord", "G1", usage({ inputTokens: 5, nanoCredits: NANO / 2 }));
    metrics.modelUsage("discord", "G2", usage({ inputTokens: 7, cachedInputTokens: 3 }));
    metrics.modelUsage("discord", "G3", usage({ inputTokens: 11 }));
    const text = await metrics.render();
    expect(counterValue(text, "threadpilot_model_tokens_total", { platform: "discord", workspace: "G1", type: "input" })).toBe(5);
    expect(counterValue(text, "threadpilot_model_tokens_total", { platform: "discord", workspace: "other", type: "input" })).toBe(18);
    expect(counterValue(text, "threadpilot_model_tokens_total", { platform: "discord", workspace: "other", type: "cached_input" })).toBe(3);
    expect(counterValue(text, "threadpilot_model_credits_total", { platform: "discord", workspace: "G1" })).toBe(0.5);
    expect(text).not.toContain('workspace="G2"');
  });
});

describe("the runtime's usage events", () => {
  const translate = (raws: Array<{ type: string; data?: unknown; agentId?: string }>) => {
    const translator = new SessionEventTranslator();
    return raws.map((raw) => translator.translate(raw as never));
  };

  it("reads assistant.usage loosely: missing or malformed figures count as 0, sub-agents' calls count too", () => {
    const [full, sparse, subAgent] = translate([
      { type: "assistant.usage", data: { model: "m", inputTokens: 10, outputTokens: 2, cacheReadTokens: 4, copilotUsage: { totalNanoAiu: 5e8 } } },
      { type: "assistant.usage", data: { model: "m", inputTokens: "ten", outputTokens: -1 } },
      { type: "assistant.usage", agentId: "sub", data: { model: "m", inputTokens: 3 } },
    ]);
    expect(full!.events).toEqual([{ type: "usage", usage: { model: "m", inputTokens: 10, outputTokens: 2, cachedInputTokens: 4, nanoCredits: 5e8 } }]);
    expect(sparse!.events).toEqual([{ type: "usage", usage: { model: "m", inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, nanoCredits: 0 } }]);
    expect(subAgent!.events).toEqual([expect.objectContaining({ type: "usage", usage: expect.objectContaining({ inputTokens: 3 }) })]);
  });

  it("reads a tool skipped at the session limit as the limit, and the turn's closing error as its end", () => {
    const [skipped, closing] = translate([
      { type: "tool.execution_complete", data: { toolCallId: "c1", success: false, error: { message: "skipped", code: "session_limits_exhausted" } } },
      { type: "session.error", data: { errorType: "query", message: "No response was returned. Send your message again to retry." } },
    ]);
    expect(skipped!.events).toEqual([{ type: "credit_limit" }]);
    expect(closing).toEqual({ events: [], end: { kind: "done", aborted: false } });
  });

  it("reads a blocked limits status with its figures, and ignores other states", () => {
    const [blocked, warning] = translate([
      { type: "model.response_limits_status", data: { state: "blocked", status: { aiCreditsUsed: 40, maxAiCredits: 30, isLimitsExhausted: true } } },
      { type: "model.response_limits_status", data: { state: "ok", status: { aiCreditsUsed: 1, maxAiCredits: 30, isLimitsExhausted: false } } },
    ]);
    expect(blocked!.events).toEqual([{ type: "credit_limit", usedCredits: 40, maxCredits: 30 }]);
    expect(warning!.events).toEqual([]);
  });

  it("still reads a session error without a limit as a failure", () => {
    const [error] = translate([{ type: "session.error", data: { errorType: "query", message: "No response was returned." } }]);
    expect(error!.end?.kind).toBe("failed");
  });
});

async function* events(list: RuntimeEvent[]): AsyncGenerator<RuntimeEvent> {
  yield* list;
}

async function drain(iterable: AsyncIterable<RuntimeEvent>): Promise<RuntimeEvent[]> {
  const out: RuntimeEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe("tapUsage", () => {
  it("hands on every usage event and passes every event through", async () => {
    const seen: ModelUsage[] = [];
    const list: RuntimeEvent[] = [
      { type: "usage", usage: usage({ inputTokens: 1 }) },
      { type: "delta", text: "hi", messageId: "m" },
      { type: "usage", usage: usage({ inputTokens: 2 }) },
      { type: "done", aborted: false },
    ];
    const tap = tapUsage(events(list), (u) => seen.push(u));
    expect(await drain(tap.events)).toEqual(list);
    expect(seen.map((u) => u.inputTokens)).toEqual([1, 2]);
    expect(tap.limitReached()).toBeUndefined();
  });

  it("ends an answer stopped at its credit limit as a stopped one, keeping the figures reported", async () => {
    const tap = tapUsage(
      events([
        { type: "delta", text: "Let me look.", messageId: "m" },
        { type: "credit_limit" },
        { type: "credit_limit", usedCredits: 40, maxCredits: 30 },
        { type: "done", aborted: false },
      ]),
      () => undefined,
    );
    const out = await drain(tap.events);
    expect(out.at(-1)).toEqual({ type: "done", aborted: true });
    expect(tap.limitReached()).toEqual({ usedCredits: 40, maxCredits: 30 });
  });
});

describe("usage sentences", () => {
  const now = Date.UTC(2026, 10, 26, 19, 40);

  it("refuses with one sentence naming the budget and when it resets", () => {
    const sentence = budgetSpentSentence(
      { dailyCredits: 100, used: { day: "2026-11-26", nanoCredits: 112.5 * NANO, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 }, resetsAt: nextUtcMidnight(now) },
      now,
    );
    expect(sentence).toBe("Sorry, the daily budget of 100 AI credits here is used up (112.5 used today); it resets at 00:00 UTC, in 4 h 20 min.");
  });

  it("ends a stopped answer with the limit it reached", () => {
    expect(answerLimitNote(30)).toBe("_(Stopped: this answer reached its limit of 30 AI credits; the next question starts with a fresh allowance.)_");
    expect(answerLimitNote(undefined)).toContain("its AI credit limit");
  });

  it("reports the day's use against the budget", () => {
    const used = { day: "2026-11-26", nanoCredits: 52 * NANO, inputTokens: 12_345, outputTokens: 678, cachedInputTokens: 200 };
    expect(usageReport(used, { dailyCredits: 100, creditsPerAnswer: 30 }, now).split("\n")).toEqual([
      "Usage here today (2026-11-26, UTC): 52 of the 100 AI credits of the daily budget (48 left), over 12,345 input tokens (200 of them cached) and 678 output tokens.",
      "Each answer may use at most 30 AI credits.",
      "The day resets at 00:00 UTC, in 4 h 20 min.",
    ]);
    const byok = usageReport({ ...used, nanoCredits: 0, cachedInputTokens: 0 }, {}, now);
    expect(byok).toContain("0 AI credits (no daily budget is set), over 12,345 input tokens and 678 output tokens.");
    expect(byok).toContain("reported no AI credits");
  });

  it("knows `/copilot usage` from a question", () => {
    const table = [usageSubcommand({})];
    expect(matchSubcommand(table, " Usage ")?.subcommand.name).toBe("usage");
    expect(matchSubcommand(table, "usage of hooks in React?")).toBeUndefined();
  });
});

class ScriptedRuntime implements AnswerRuntime {
  readonly requests: AnswerRequest[] = [];
  constructor(private readonly script: () => RuntimeEvent[]) {}
  stream(request: AnswerRequest): AsyncIterable<RuntimeEvent> {
    this.requests.push(request);
    return events(this.script());
  }
}

describe("the Answerer and usage", () => {
  const target = () => new MemoryTarget({ clock: realClock, budget: new ScopeBudget({ calls: 100, perMs: 1000 }), maxMessageLength: 2000 });
  const turn = (reply: MemoryTarget) => ({
    platform: "slack" as const,
    threadKey: "slack:T1:C1:1",
    workspace: "T1",
    history: [{ role: "user" as const, speaker: "Ada", text: "hi", imageCount: 0 }],
    images: [],
    target: reply,
  });

  it("records each answer's usage, then refuses the next question with one sentence and no model call", async () => {
    const runtime = new ScriptedRuntime(() => [
      { type: "delta", text: "Sure.", messageId: "m" },
      { type: "usage", usage: usage({ nanoCredits: 60 * NANO }) },
      { type: "message", content: "Sure.", messageId: "m", hasToolRequests: false },
      { type: "done", aborted: false },
    ]);
    const ledger = new UsageLedger(new MemoryStore(logger), { dailyCredits: 100 }, logger, () => Date.UTC(2026, 10, 26, 22));
    const metrics = new Metrics();
    const answerer = new Answerer({ runtime, logger, historyCharBudget: 1000, usage: ledger, metrics });
    for (let i = 0; i < 2; i++) expect((await answerer.answer(turn(target())))?.status).toBe("complete");
    const refused = target();
    expect(await answerer.answer(turn(refused))).toBeUndefined();
    expect(runtime.requests).toHaveLength(2);
    expect(refused.visibleTexts()).toEqual([
      "Sorry, the daily budget of 100 AI credits here is used up (120 used today); it resets at 00:00 UTC, in 2 h.",
    ]);
    const text = await metrics.render();
    expect(counterValue(text, "threadpilot_model_credits_total", { platform: "slack", workspace: "T1" })).toBe(120);
    expect(counterValue(text, "threadpilot_usage_limit_reached_total", { platform: "slack", limit: "daily" })).toBe(1);
  });

  it("ends an answer stopped at its credit limit with the sentence that says so", async () => {
    const runtime = new ScriptedRuntime(() => [
      { type: "delta", text: "Let me look.", messageId: "m" },
      { type: "usage", usage: usage({ nanoCredits: 40 * NANO }) },
      { type: "credit_limit" },
      { type: "done", aborted: false },
    ]);
    const ledger = new UsageLedger(new MemoryStore(logger), { creditsPerAnswer: 30 }, logger);
    const reply = target();
    const outcome = await new Answerer({ runtime, logger, historyCharBudget: 1000, usage: ledger }).answer(turn(reply));
    expect(outcome?.status).toBe("aborted");
    expect(reply.visibleTexts().join("\n")).toContain(
      "Let me look.\n\n_(Stopped: this answer reached its limit of 30 AI credits; the next question starts with a fresh allowance.)_",
    );
  });
});
