import type { ToolInvocation } from "@github/copilot-sdk";
import { describe, expect, it, vi } from "vitest";
import type { HistoryMessage } from "../../src/history/types.js";
import {
  ToolRegistry,
  advisorTool,
  defaultToolRegistry,
  readThreadTool,
  type AnyTool,
  type OlderMessagesPage,
} from "../../src/tools/index.js";

const invocation = { sessionId: "s", toolCallId: "c", toolName: "t", arguments: {} } as unknown as ToolInvocation;
const call = (tool: AnyTool | undefined, args: unknown) => tool!.handler!(args, invocation) as Promise<string>;
const byName = (tools: AnyTool[], name: string) => tools.find((t) => t.name === name);

const msg = (i: number): HistoryMessage => ({ role: "user", speaker: `P${i}`, text: `message ${i}`, imageCount: 0 });

describe("ToolRegistry", () => {
  it("rejects duplicate names and lists names for the tool policy", () => {
    const ask = async () => "x";
    expect(() => new ToolRegistry([advisorTool({ ask, maxCallsPerRun: 1 }), advisorTool({ ask, maxCallsPerRun: 1 })])).toThrow(/advisor/);
    expect(defaultToolRegistry({ ask }).names).toEqual(["advisor", "read_thread"]);
    expect(defaultToolRegistry({}).names).toEqual(["read_thread"]);
  });

  it("offers read_thread only when the adapter can read older messages", () => {
    const registry = defaultToolRegistry({ ask: async () => "x" });
    expect(registry.buildTools({ threadKey: "t" }).map((t) => t.name)).toEqual(["advisor"]);
    expect(registry.buildTools({ threadKey: "t", readOlder: async () => [] }).map((t) => t.name)).toEqual(["advisor", "read_thread"]);
  });
});

describe("advisor", () => {
  it("asks at most N times per run, and a new run starts from zero", async () => {
    const ask = vi.fn(async (q: string) => `opinion on ${q}`);
    const registry = new ToolRegistry([advisorTool({ ask, maxCallsPerRun: 2 })]);
    const run1 = byName(registry.buildTools({ threadKey: "t1" }), "advisor");
    expect(await call(run1, { question: "a" })).toBe("opinion on a");
    expect(await call(run1, { question: "b" })).toBe("opinion on b");
    expect(await call(run1, { question: "c" })).toMatch(/limit for this answer is reached \(2 call/);
    expect(ask).toHaveBeenCalledTimes(2);

    const run2 = byName(registry.buildTools({ threadKey: "t1" }), "advisor");
    expect(await call(run2, { question: "d" })).toBe("opinion on d");
    expect(ask).toHaveBeenCalledTimes(3);
  });

  it("keeps runs of different threads apart", async () => {
    const registry = new ToolRegistry([advisorTool({ ask: async () => "ok", maxCallsPerRun: 1 })]);
    const a = byName(registry.buildTools({ threadKey: "a" }), "advisor");
    const b = byName(registry.buildTools({ threadKey: "b" }), "advisor");
    expect(await call(a, { question: "q" })).toBe("ok");
    expect(await call(b, { question: "q" })).toBe("ok");
    expect(await call(a, { question: "q" })).toMatch(/limit/);
  });

  it("turns a failure into a plain sentence without details", async () => {
    const tool = advisorTool({
      ask: async () => {
        throw new Error("401 at /home/bot/.copilot token=abc");
      },
      maxCallsPerRun: 1,
    }).build({ threadKey: "t" }, { calls: 0 });
    const answer = await call(tool, { question: "q" });
    expect(answer).toBe("The advisor is unavailable right now. Answer with what you have.");
  });

  it("is left out with a limit of 0 and cuts long answers", async () => {
    expect(advisorTool({ ask: async () => "x", maxCallsPerRun: 0 }).build({ threadKey: "t" }, { calls: 0 })).toBeUndefined();
    const tool = advisorTool({ ask: async () => "y".repeat(100), maxCallsPerRun: 1, maxAnswerChars: 10 }).build({ threadKey: "t" }, { calls: 0 });
    expect(await call(tool, { question: "q" })).toBe(`${"y".repeat(10)}\n[advisor answer cut]`);
  });
});

describe("read_thread", () => {
  const thread = Array.from({ length: 45 }, (_, i) => msg(i)); // 0 oldest

  it("pages back through a cursor-based adapter", async () => {
    const readOlder = vi.fn(async (before: string | undefined, limit: number): Promise<OlderMessagesPage> => {
      const end = before === undefined ? 30 : Number(before); // messages 30.. are already in the prompt
      const start = Math.max(0, end - limit);
      return { messages: thread.slice(start, end), ...(start > 0 ? { before: String(start) } : {}) };
    });
    const tool = byName(new ToolRegistry([readThreadTool()]).buildTools({ threadKey: "t", readOlder }), "read_thread");
    const first = await call(tool, { limit: 20 });
    expect(first).toContain("oldest first (20)");
    expect(first.indexOf("[user] P10: message 10")).toBeLessThan(first.indexOf("[user] P29: message 29"));
    expect(first).toContain("Call read_thread again");
    const second = await call(tool, { limit: 20 });
    expect(second).toContain("[user] P0: message 0");
    expect(second).toContain("[user] P9: message 9");
    expect(second).not.toContain("message 10");
    expect(second).toContain("start of the thread");
    expect(await call(tool, {})).toMatch(/no older messages/);
    expect(readOlder.mock.calls).toEqual([
      [undefined, 20],
      ["10", 20],
    ]);
  });

  it("pages back through an adapter that returns plain lists", async () => {
    const readOlder = vi.fn(async (_before: string | undefined, limit: number) => thread.slice(Math.max(0, 30 - limit), 30));
    const tool = byName(new ToolRegistry([readThreadTool({ defaultLimit: 25 })]).buildTools({ threadKey: "t", readOlder }), "read_thread");
    const first = await call(tool, {});
    expect(first).toContain("oldest first (25)");
    expect(first).toContain("message 5");
    const second = await call(tool, {});
    expect(second).toContain("oldest first (5)");
    expect(second).toContain("message 0");
    expect(second).not.toContain("message 5");
    expect(second).toContain("start of the thread");
  });

  it("shortens huge messages to fit and reports adapter failures in one sentence", async () => {
    const huge: HistoryMessage = { role: "user", speaker: "A", text: "z".repeat(100_000), imageCount: 0 };
    const tool = readThreadTool({ maxOutputChars: 1_000 }).build({ threadKey: "t", readOlder: async () => [huge] }, { seen: 0, exhausted: false });
    const out = await call(tool, { limit: 5 });
    expect(out.length).toBeLessThan(1_200);

    const failing = readThreadTool().build(
      { threadKey: "t", readOlder: async () => Promise.reject(new Error("xoxb-secret /srv/app")) },
      { seen: 0, exhausted: false },
    );
    expect(await call(failing, {})).toBe("I could not read older messages of this thread right now.");
  });
});
