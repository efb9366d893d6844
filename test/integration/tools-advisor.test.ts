/**
 * The bot's own tools through the REAL CopilotRuntime and the fake model: the advisor asks a second model
 * (through the same runtime's runSession) at most N times per run, a new run starts from zero; read_thread hands
 * the model older messages fetched through the adapter's function.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryMessage } from "../../src/history/types.js";
import { CopilotRuntime } from "../../src/runtime/copilot-runtime.js";
import { toolPolicy } from "../../src/safety/tool-policy.js";
import { askThroughRuntime, defaultToolRegistry, type ToolRunContext } from "../../src/tools/index.js";
import {
  lastUserText,
  messageText,
  startFakeModel,
  type FakeModel,
  type RecordedRequest,
} from "../support/fake-model/server.js";

let fake: FakeModel;
let base: string;
let runtime: CopilotRuntime;
let registry: ReturnType<typeof defaultToolRegistry>;

beforeAll(async () => {
  fake = await startFakeModel();
  base = mkdtempSync(join(tmpdir(), "tools-advisor-"));
  // The advisor is backed by the runtime it runs in; the registry only needs `ask` when a tool is called.
  const ask = askThroughRuntime({ runSession: (request) => runtime.runSession(request) }, { model: "fake-strong-model" });
  registry = defaultToolRegistry({ ask, advisorMaxCalls: 2 });
  const policy = toolPolicy("none", registry.names);
  runtime = new CopilotRuntime({
    model: "fake-model",
    provider: { type: "openai", baseUrl: fake.url, apiKey: "fake-key" },
    systemMessage: "You are a test assistant.",
    vision: false,
    workingDirectory: base,
    homeDirectory: join(base, "home"),
    availableTools: policy.availableTools,
    onPermissionRequest: policy.onPermissionRequest,
    retry: { attempts: 1 },
    logger: pino({ level: "silent" }),
  });
  await runtime.start();
});

afterAll(async () => {
  await runtime?.stop();
  await fake?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

const run = (context: ToolRunContext) =>
  runtime.runSession({ prompt: "help me", tools: registry.buildTools(context), threadKey: context.threadKey });

const isAdvisorRequest = (r: RecordedRequest) => r.body.model === "fake-strong-model";
const toolResults = (r: RecordedRequest) => (r.body.messages ?? []).filter((m) => m.role === "tool").map(messageText);

/** Main model: calls the advisor `times` times in a row, then answers; the advisor model answers the question. */
function scriptAdvisorCalls(times: number) {
  fake.reset();
  fake.setFallback((request) => {
    if (isAdvisorRequest(request)) return { text: `SECOND OPINION for: ${lastUserText(request.body).slice(-12)}` };
    const done = toolResults(request).length;
    if (done < times) return { toolCalls: [{ name: "advisor", arguments: { question: `question number ${done + 1}` } }] };
    return { text: "final answer" };
  });
}

describe("advisor through the real runtime", () => {
  it("asks the second model at most N times per run, then says the limit is reached", async () => {
    scriptAdvisorCalls(3);
    expect(await run({ threadKey: "thread-1" })).toBe("final answer");
    const advisorRequests = fake.requests.filter(isAdvisorRequest);
    expect(advisorRequests).toHaveLength(2);
    // The advisor's session offers no tools: it cannot call itself.
    expect(advisorRequests[0]!.body.tools ?? []).toEqual([]);
    const last = fake.requests.filter((r) => !isAdvisorRequest(r)).at(-1)!;
    const results = toolResults(last);
    expect(results).toHaveLength(3);
    expect(results[0]).toContain("SECOND OPINION for: ion number 1");
    expect(results[1]).toContain("SECOND OPINION for: ion number 2");
    expect(results[2]).toMatch(/advisor limit for this answer is reached/);
  });

  it("starts each run from zero", async () => {
    scriptAdvisorCalls(1);
    expect(await run({ threadKey: "thread-1" })).toBe("final answer");
    expect(fake.requests.filter(isAdvisorRequest)).toHaveLength(1);
  });

  it("answers anyway when the second model fails", async () => {
    fake.reset();
    fake.setFallback((request) => {
      if (isAdvisorRequest(request)) return { fail: { kind: "status", status: 400, message: "bad request at /srv/secret/path" } };
      return toolResults(request).length === 0
        ? { toolCalls: [{ name: "advisor", arguments: { question: "q" } }] }
        : { text: "final answer" };
    });
    expect(await run({ threadKey: "thread-3" })).toBe("final answer");
    const result = toolResults(fake.requests.filter((r) => !isAdvisorRequest(r)).at(-1)!).join("\n");
    expect(result).toContain("The advisor is unavailable right now");
    expect(result).not.toContain("/srv/secret/path");
  });
});

describe("read_thread through the real runtime", () => {
  it("hands the model older messages fetched through the adapter", async () => {
    const older: HistoryMessage[] = [
      { role: "user", speaker: "Alice", text: "the deploy key rotated on Monday", imageCount: 0 },
      { role: "assistant", speaker: "", text: "noted", imageCount: 0 },
    ];
    const calls: Array<[string | undefined, number]> = [];
    fake.reset();
    fake.setFallback((request) =>
      toolResults(request).length === 0
        ? { toolCalls: [{ name: "read_thread", arguments: { limit: 10 } }] }
        : { text: "final answer" },
    );
    const answer = await run({
      threadKey: "thread-2",
      readOlder: async (before, limit) => {
        calls.push([before, limit]);
        return { messages: older };
      },
    });
    expect(answer).toBe("final answer");
    expect(calls).toEqual([[undefined, 10]]);
    const result = toolResults(fake.requests.at(-1)!).join("\n");
    expect(result).toContain("[user] Alice: the deploy key rotated on Monday");
    expect(result).toContain("[assistant]: noted");
    expect(result).toContain("start of the thread");
  });
});
