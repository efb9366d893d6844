/**
 * The real Copilot runtime (BYOK) against the fake model: how an OpenAI-compatible response's `usage` (and the
 * Copilot API's `copilot_usage`) become `usage` events, and how the per-answer credit limit (sessionLimits)
 * stops an answer before its next model call.
 */
import { defineTool } from "@github/copilot-sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { createTestRuntime, type TestRuntime } from "../support/test-runtime.js";

let fake: FakeModel;
let plain: TestRuntime;
let limited: TestRuntime;

async function collect(events: AsyncIterable<RuntimeEvent>): Promise<RuntimeEvent[]> {
  const out: RuntimeEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const usages = (events: RuntimeEvent[]) => events.flatMap((e) => (e.type === "usage" ? [e.usage] : []));

beforeAll(async () => {
  fake = await startFakeModel();
  plain = createTestRuntime(fake);
  limited = createTestRuntime(fake, { maxCreditsPerAnswer: 30 });
  await Promise.all([plain.runtime.start(), limited.runtime.start()]);
});

afterAll(async () => {
  await Promise.all([plain?.close(), limited?.close()]);
  await fake?.close();
});

beforeEach(() => fake.reset());

describe("usage reported by the runtime", () => {
  it("turns the stream's usage chunk into one usage event per model call, cached tokens included", async () => {
    fake.script({ text: "Counted.", usage: { promptTokens: 1234, completionTokens: 56, cachedTokens: 200 } });
    const events = await collect(plain.runtime.stream({ prompt: "count me" }));
    expect(fake.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    // A BYOK provider's answer carries no cost: no credits.
    expect(usages(events)).toEqual([{ model: "fake-model", inputTokens: 1234, outputTokens: 56, cachedInputTokens: 200, nanoCredits: 0 }]);
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
  });

  it("reads the Copilot API's copilot_usage as credits, one event for each call of a turn with a tool", async () => {
    const lookup = defineTool("lookup", {
      description: "Looks something up.",
      parameters: { type: "object", properties: {} },
      handler: async () => "found it",
    });
    fake.script(
      { toolCalls: [{ name: "lookup", arguments: {} }], usage: { promptTokens: 100, completionTokens: 10, credits: 2.5 } },
      { text: "Done.", usage: { promptTokens: 150, completionTokens: 20, credits: 4 } },
    );
    const events = await collect(plain.runtime.stream({ prompt: "look it up", tools: [lookup] }));
    expect(usages(events)).toEqual([
      expect.objectContaining({ inputTokens: 100, outputTokens: 10, nanoCredits: 2_500_000_000 }),
      expect.objectContaining({ inputTokens: 150, outputTokens: 20, nanoCredits: 4_000_000_000 }),
    ]);
  });

  it("stops an answer whose calls reach the per-answer credit limit before its next model call", async () => {
    const lookup = defineTool("lookup", {
      description: "Looks something up.",
      parameters: { type: "object", properties: {} },
      handler: async () => "found it",
    });
    fake.script(
      { text: "Let me look. ", toolCalls: [{ name: "lookup", arguments: {} }], usage: { credits: 40 } },
      { text: "This call must never be made." },
    );
    const events = await collect(limited.runtime.stream({ prompt: "expensive", tools: [lookup] }));
    // The runtime skips the tool and ends the turn with an error of its own: read as the limit, then done.
    expect(events.some((e) => e.type === "credit_limit")).toBe(true);
    expect(events.some((e) => e.type === "error" || e.type === "retry")).toBe(false);
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
    expect(fake.requests).toHaveLength(1);
  });

  it("lets an answer under the limit finish", async () => {
    fake.script({ text: "Cheap enough.", usage: { credits: 5 } });
    const events = await collect(limited.runtime.stream({ prompt: "cheap" }));
    expect(events.some((e) => e.type === "credit_limit")).toBe(false);
    expect(events.filter((e) => e.type === "message").map((e) => (e as { content: string }).content)).toEqual(["Cheap enough."]);
  });
});
