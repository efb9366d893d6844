import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Answerer } from "../../src/core/answer.js";
import { ThreadRunAbort } from "../../src/core/thread-run-abort.js";
import { Metrics } from "../../src/ops/metrics.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { realClock } from "../../src/reply/clock.js";
import { MemoryTarget } from "../support/memory-target.js";
import { SHUTDOWN_NOTE, STOPPED_NOTE } from "../../src/reply/notices.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import type { AnswerRequest, AnswerRuntime } from "../../src/runtime/types.js";

/** A stand-in for the Copilot runtime (its real behaviour is covered by the runtime's integration tests). */
class ScriptedRuntime implements AnswerRuntime {
  readonly requests: AnswerRequest[] = [];
  constructor(private readonly script: (request: AnswerRequest) => AsyncGenerator<RuntimeEvent>) {}
  stream(request: AnswerRequest): AsyncIterable<RuntimeEvent> {
    this.requests.push(request);
    return this.script(request);
  }
}

const logger = pino({ level: "silent" });
const target = () =>
  new MemoryTarget({ clock: realClock, budget: new ScopeBudget({ calls: 100, perMs: 1000 }), maxMessageLength: 2000 });
const user = (text: string) => ({ role: "user" as const, speaker: "Ada", text, imageCount: 0 });

async function* answer(text: string): AsyncGenerator<RuntimeEvent> {
  yield { type: "delta", text, messageId: "m" };
  yield { type: "message", content: text, messageId: "m", hasToolRequests: false };
  yield { type: "done", aborted: false };
}

/** Streams words until the request's signal is aborted, then ends as the runtime does. */
async function* untilAborted(request: AnswerRequest): AsyncGenerator<RuntimeEvent> {
  yield { type: "delta", text: "partial words ", messageId: "m" };
  await new Promise<void>((resolve) => request.signal!.addEventListener("abort", () => resolve(), { once: true }));
  yield { type: "done", aborted: true };
}

describe("Answerer", () => {
  it("builds the prompt from the history and streams the answer into the target", async () => {
    const runtime = new ScriptedRuntime(() => answer("Four."));
    const reply = target();
    const answerer = new Answerer({ runtime, logger, historyCharBudget: 1000 });
    const outcome = await answerer.answer({
      platform: "slack",
      threadKey: "t1",
      history: [user("what is 2+2?"), { role: "assistant", speaker: "", text: "4", imageCount: 0 }, user("sure?")],
      images: [],
      target: reply,
    });
    expect(runtime.requests[0]!.prompt).toBe("\n[user] Ada: what is 2+2?\n[assistant]: 4\n\n\nAda: sure?");
    expect(outcome?.status).toBe("complete");
    expect(reply.visibleTexts()).toEqual(["Four."]);
  });

  it("cuts an oversized message, tells the model in the prompt and the user in a note", async () => {
    const runtime = new ScriptedRuntime(() => answer("ok"));
    const reply = target();
    const answerer = new Answerer({ runtime, logger, historyCharBudget: 1000, maxMessageChars: 100 });
    await answerer.answer({ platform: "discord", threadKey: "t", history: [user("x".repeat(5000))], images: [], target: reply });
    const prompt = runtime.requests[0]!.prompt;
    expect(prompt.length).toBeLessThan(200);
    expect(prompt).toContain("[message cut: 4,900 characters omitted]");
    expect(reply.visibleTexts()[0]).toMatch(/only read its first 100 characters/);
    expect(reply.visibleTexts().at(-1)).toBe("ok");
  });

  it("ends a reply cut short by shutdown with the restarting note, and a user's stop with the plain one", async () => {
    for (const [kind, note] of [
      ["shutdown", SHUTDOWN_NOTE],
      ["stopped", STOPPED_NOTE],
    ] as const) {
      const runtime = new ScriptedRuntime(untilAborted);
      const reply = target();
      const controller = new AbortController();
      const answerer = new Answerer({ runtime, logger, historyCharBudget: 1000 });
      const done = answerer.answer({
        platform: "slack",
        threadKey: "t",
        history: [user("go")],
        images: [],
        target: reply,
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort(new ThreadRunAbort(kind));
      const outcome = await done;
      expect(outcome?.status).toBe("aborted");
      expect(reply.visibleTexts().join("\n")).toContain("partial words");
      expect(reply.visibleTexts().join("\n").endsWith(note)).toBe(true);
    }
  });

  it("counts answers, errors and first words in the metrics", async () => {
    const metrics = new Metrics();
    const failing = new ScriptedRuntime(async function* () {
      yield { type: "error", failure: { kind: "rate_limit", message: "429" } } satisfies RuntimeEvent;
    });
    const answerer = new Answerer({ runtime: failing, logger, historyCharBudget: 1000, metrics });
    await answerer.answer({ platform: "slack", threadKey: "t", history: [user("hi")], images: [], target: target() });
    const ok = new Answerer({ runtime: new ScriptedRuntime(() => answer("hello")), logger, historyCharBudget: 1000, metrics });
    await ok.answer({ platform: "slack", threadKey: "t", history: [user("hi")], images: [], target: target() });
    const text = await metrics.render();
    expect(text).toMatch(/threadpilot_answers_total\{platform="slack",status="error"\} 1/);
    expect(text).toMatch(/threadpilot_answers_total\{platform="slack",status="ok"\} 1/);
    expect(text).toMatch(/threadpilot_errors_total\{kind="rate_limit"\} 1/);
    expect(text).toMatch(/threadpilot_time_to_first_words_seconds_count\{platform="slack"\} 1/);
  });
});
