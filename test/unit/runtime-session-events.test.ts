import type { SessionEvent } from "@github/copilot-sdk";
import { describe, expect, it } from "vitest";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { SessionEventTranslator, type SessionEnd } from "../../src/runtime/session-events.js";

/** Shorthand for an SDK event; only type, data and agentId matter to the translator. */
const ev = (type: string, data: object = {}, extra: object = {}) =>
  ({ id: "e", parentId: null, timestamp: "t", type, data, ...extra }) as unknown as SessionEvent;

function run(events: SessionEvent[]): { out: RuntimeEvent[]; end?: SessionEnd } {
  const translator = new SessionEventTranslator();
  const out: RuntimeEvent[] = [];
  let end: SessionEnd | undefined;
  for (const event of events) {
    const t = translator.translate(event);
    out.push(...t.events);
    end ??= t.end;
  }
  return end ? { out, end } : { out };
}

describe("SessionEventTranslator", () => {
  it("relays deltas in order, then the message, and ends on idle", () => {
    const { out, end } = run([
      ev("assistant.message_delta", { messageId: "m1", deltaContent: "Hel" }),
      ev("assistant.message_delta", { messageId: "m1", deltaContent: "lo" }),
      ev("assistant.message", { messageId: "m1", content: "Hello", toolRequests: [] }),
      ev("session.idle", {}),
    ]);
    expect(out).toEqual([
      { type: "delta", text: "Hel", messageId: "m1" },
      { type: "delta", text: "lo", messageId: "m1" },
      { type: "message", content: "Hello", messageId: "m1", hasToolRequests: false },
    ]);
    expect(end).toEqual({ kind: "done", aborted: false });
  });

  it("names the tool on completion from its start event", () => {
    const { out } = run([
      ev("assistant.message", { messageId: "m1", content: "", toolRequests: [{ toolCallId: "c1", name: "lookup" }] }),
      ev("tool.execution_start", { toolCallId: "c1", toolName: "lookup" }),
      ev("tool.execution_complete", { toolCallId: "c1", success: false }),
    ]);
    expect(out).toEqual([
      { type: "message", content: "", messageId: "m1", hasToolRequests: true },
      { type: "tool_start", toolCallId: "c1", toolName: "lookup" },
      { type: "tool_end", toolCallId: "c1", toolName: "lookup", success: false },
    ]);
  });

  it("names an MCP tool server/tool, as TOOL_POLICY does, not by its wire name", () => {
    const { out } = run([
      ev("tool.execution_start", { toolCallId: "c1", toolName: "tickets-lookup_ticket", mcpServerName: "tickets", mcpToolName: "lookup_ticket" }),
      ev("tool.execution_complete", { toolCallId: "c1", success: true }),
    ]);
    expect(out).toEqual([
      { type: "tool_start", toolCallId: "c1", toolName: "tickets/lookup_ticket" },
      { type: "tool_end", toolCallId: "c1", toolName: "tickets/lookup_ticket", success: true },
    ]);
  });

  it("discards a partly streamed message when the runtime retries the model call", () => {
    const { out } = run([
      ev("assistant.message_delta", { messageId: "m1", deltaContent: "part" }),
      ev("model.turn_retry", { reason: "streaming_error" }, { ephemeral: true }),
      ev("assistant.message_delta", { messageId: "m2", deltaContent: "whole" }),
      ev("assistant.message", { messageId: "m2", content: "whole" }),
    ]);
    expect(out.map((e) => e.type)).toEqual(["delta", "message_discarded", "delta", "message"]);
    expect(out[1]).toEqual({ type: "message_discarded", messageId: "m1" });
  });

  it("discards an orphaned message when another one completes, even without a retry event", () => {
    const { out } = run([
      ev("assistant.message_delta", { messageId: "m1", deltaContent: "part" }),
      ev("assistant.message", { messageId: "m2", content: "whole" }),
    ]);
    expect(out.map((e) => e.type)).toEqual(["delta", "message_discarded", "message"]);
  });

  it("ignores sub-agent work, reasoning, ephemeral and unknown events", () => {
    const { out, end } = run([
      ev("assistant.message_delta", { messageId: "s1", deltaContent: "sub" }, { agentId: "a1" }),
      ev("assistant.message_delta", { messageId: "s2", deltaContent: "nested", parentToolCallId: "c9" }),
      ev("tool.execution_complete", { toolCallId: "unknown", success: true }),
      ev("assistant.reasoning_delta", { reasoningId: "r", deltaContent: "thinking" }),
      ev("model.call_start", {}, { ephemeral: true }),
      ev("something.new", { whatever: 1 }),
      ev("session.idle", {}, { agentId: "a1" }),
    ]);
    expect(out).toEqual([]);
    expect(end).toBeUndefined();
  });

  it("classifies session.error as a failed end", () => {
    const { end } = run([ev("session.error", { errorType: "rate_limit", message: "429 slow down", statusCode: 429 })]);
    expect(end).toEqual({
      kind: "failed",
      failure: { kind: "rate_limit", message: "429 slow down", errorType: "rate_limit", statusCode: 429 },
    });
  });

  it("reports an aborted idle", () => {
    expect(run([ev("session.idle", { aborted: true })]).end).toEqual({ kind: "done", aborted: true });
  });
});
