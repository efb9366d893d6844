/**
 * The real Copilot runtime (BYOK) against the fake model: what a consumer of `stream` sees, what the model is
 * sent, tools, images, abort and cleanup.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { defineTool } from "@github/copilot-sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RuntimeFailureError } from "../../src/runtime/errors.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import type { AnswerRequest } from "../../src/runtime/types.js";
import { imageParts, lastUserText, startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { createTestRuntime, TEST_SYSTEM_MESSAGE, type TestRuntime } from "../support/test-runtime.js";

// A 1x1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

let fake: FakeModel;
let vision: TestRuntime;

async function collect(events: AsyncIterable<RuntimeEvent>): Promise<RuntimeEvent[]> {
  const out: RuntimeEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const text = (events: RuntimeEvent[]) =>
  events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

beforeAll(async () => {
  fake = await startFakeModel();
  vision = createTestRuntime(fake, { vision: true });
  await vision.runtime.start();
});

afterAll(async () => {
  await vision?.close();
  await fake?.close();
});

beforeEach(() => fake.reset());

describe("CopilotRuntime.stream against the real runtime", () => {
  it("streams deltas in order that join to the final message, then done", async () => {
    const answer = `${words(60)}. The end.`;
    fake.script({ text: answer, chunk: { size: 3, unit: "words" } });

    const startedAt = performance.now();
    const events = await collect(vision.runtime.stream({ prompt: "Tell me something" }));
    console.info(`[runtime] one simple streamed request end to end: ${Math.round(performance.now() - startedAt)} ms`);

    expect(text(events)).toBe(answer);
    const messages = events.filter((e) => e.type === "message");
    expect(messages).toEqual([expect.objectContaining({ content: answer, hasToolRequests: false })]);
    // Every delta comes before the message, and the stream ends with exactly one terminal event.
    const messageIndex = events.findIndex((e) => e.type === "message");
    expect(events.slice(messageIndex + 1).map((e) => e.type)).toEqual(["done"]);
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
    expect(events.filter((e) => e.type === "delta").length).toBeGreaterThan(1);
  });

  it("sends our system prompt and the prompt after the runtime's datetime block, and no built-in tools", async () => {
    fake.script({ text: "ok" });
    await collect(vision.runtime.stream({ prompt: "What changed in the release?" }));

    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]!.body;
    expect(body.model).toBe("fake-model");
    expect(body.messages?.[0]).toMatchObject({ role: "system", content: TEST_SYSTEM_MESSAGE });
    expect(lastUserText(body)).toMatch(/^<current_datetime>.+<\/current_datetime>\s+What changed in the release\?$/s);
    expect(body.tools ?? []).toEqual([]);
  });

  it("runs the bot's own tool and asks the model again with its result", async () => {
    const calls: unknown[] = [];
    const lookup = defineTool("lookup", {
      description: "Looks a word up.",
      parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      handler: async (args: { q: string }) => {
        calls.push(args);
        return `definition of ${args.q}`;
      },
    });
    fake.script({ toolCalls: [{ name: "lookup", arguments: { q: "threadpilot" } }] }, { text: "It is a chat bot." });

    const events = await collect(vision.runtime.stream({ prompt: "define threadpilot", tools: [lookup] }));

    expect(calls).toEqual([{ q: "threadpilot" }]);
    expect(events.map((e) => e.type).filter((t) => t !== "delta")).toEqual(["usage", "message", "tool_start", "tool_end", "usage", "message", "done"]);
    expect(events.find((e) => e.type === "tool_end")).toMatchObject({ toolName: "lookup", success: true });
    expect(fake.requests[0]!.body.tools?.map((t) => t.function.name)).toEqual(["lookup"]);
    const toolMessage = fake.requests[1]!.body.messages?.find((m) => m.role === "tool");
    expect(toolMessage?.content).toContain("definition of threadpilot");
    expect(text(events)).toBe("It is a chat bot.");
  });

  it("refuses a built-in tool the model asks for anyway, and the model still answers", async () => {
    const marker = join(vision.home, "shell-ran");
    fake.script({ toolCalls: [{ name: "bash", arguments: { command: `touch ${marker}`, description: "x" } }] }, { text: "I cannot do that." });

    const events = await collect(vision.runtime.stream({ prompt: "run a command" }));

    expect(existsSync(marker)).toBe(false);
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
    expect(text(events)).toBe("I cannot do that.");
    const toolMessage = fake.requests[1]!.body.messages?.find((m) => m.role === "tool");
    expect(String(toolMessage?.content)).toMatch(/does not exist/);
  });

  it("sends images as image parts when vision is on", async () => {
    fake.script({ text: "A dot." });
    const events = await collect(
      vision.runtime.stream({ prompt: "What is this?", images: [{ data: PNG, mimeType: "image/png", displayName: "dot.png" }] }),
    );
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
    expect(imageParts(fake.requests[0]!.body)).toEqual([expect.objectContaining({ url: `data:image/png;base64,${PNG.toString("base64")}` })]);
  });

  it("sends no image at all when vision is off", async () => {
    const blind = createTestRuntime(fake, { vision: false });
    try {
      fake.script({ text: "No picture seen." });
      const events = await collect(
        blind.runtime.stream({ prompt: "What is this?", images: [{ data: PNG, mimeType: "image/png" }] }),
      );
      expect(events.at(-1)).toEqual({ type: "done", aborted: false });
      const body = fake.requests[0]!.body;
      expect(imageParts(body)).toEqual([]);
      expect(JSON.stringify(body)).not.toContain(PNG.toString("base64"));
      expect(lastUserText(body)).toMatch(/What is this\?$/);
    } finally {
      await blind.close();
    }
  });

  it("stops a running answer on abort: done aborted, and the model stream is closed", async () => {
    const answer = words(300);
    fake.script({ text: answer, paceMs: 20 });
    const controller = new AbortController();
    const events: RuntimeEvent[] = [];
    for await (const event of vision.runtime.stream({ prompt: "long answer", signal: controller.signal })) {
      events.push(event);
      if (events.filter((e) => e.type === "delta").length === 3) controller.abort();
    }

    expect(events.at(-1)).toEqual({ type: "done", aborted: true });
    expect(events.some((e) => e.type === "error" || e.type === "message")).toBe(false);
    const request = fake.requests[0]!;
    expect(await request.settled).toBe("client_closed");
    expect(request.charsSent).toBeLessThan(answer.length);
  });

  it("ends at once with done aborted when the signal is already aborted, without asking the model", async () => {
    const events = await collect(vision.runtime.stream({ prompt: "x", signal: AbortSignal.abort() }));
    expect(events).toEqual([{ type: "done", aborted: true }]);
    expect(fake.requests).toHaveLength(0);
  });

  it("closes the model stream when the consumer stops reading early", async () => {
    fake.script({ text: words(300), paceMs: 20 });
    for await (const event of vision.runtime.stream({ prompt: "long answer" })) {
      if (event.type === "delta") break;
    }
    expect(await fake.requests[0]!.settled).toBe("client_closed");
  });

  it("leaves no session state on disk", async () => {
    fake.script({ text: "one" }, { text: "two" });
    await collect(vision.runtime.stream({ prompt: "a" }));
    await collect(vision.runtime.stream({ prompt: "b" }));
    const stateDir = join(vision.home, "session-state");
    expect(existsSync(stateDir) ? readdirSync(stateDir) : []).toEqual([]);
  });
});

describe("CopilotRuntime.runSession", () => {
  const request: AnswerRequest = { prompt: "second opinion?" };

  it("returns the final assistant text of a turn that used a tool", async () => {
    const check = defineTool("check", {
      description: "Checks.",
      parameters: { type: "object", properties: {} },
      handler: async () => "checked",
    });
    fake.script({ text: "Let me check.", toolCalls: [{ name: "check", arguments: {} }] }, { text: "Looks right to me." });
    expect(await vision.runtime.runSession({ ...request, tools: [check] })).toBe("Looks right to me.");
  });

  it("throws a classified error for a failure that is not retried", async () => {
    fake.script({ fail: { kind: "status", status: 400, message: "bad request" } });
    const error = await vision.runtime.runSession(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailureError);
    expect((error as RuntimeFailureError).failure).toMatchObject({ kind: "other", statusCode: 400 });
  });

  it("uses the request's model when it names one", async () => {
    fake.script({ text: "ok" });
    await vision.runtime.runSession({ ...request, model: "advisor-model" });
    expect(fake.requests[0]!.body.model).toBe("advisor-model");
  });
});
