/**
 * The tool policy through the REAL CopilotRuntime (real Copilot runtime process) and the fake model: the model
 * asks for a shell command that would create a file; with the default policy it never runs and the answer still
 * completes; with "all" it runs. Also: read-only reads only the repository, and the provider key is never logged.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CopilotRuntime } from "../../src/runtime/copilot-runtime.js";
import { toolPolicy, type ToolPolicyMode } from "../../src/safety/tool-policy.js";
import { ToolRegistry, advisorTool } from "../../src/tools/index.js";
import { messageText, startFakeModel, type FakeModel, type RecordedRequest } from "../support/fake-model/server.js";

const API_KEY = "sk-fake-provider-key-7f3a9c2e51";
let fake: FakeModel;
let base: string;
let repos: string;
let logText = "";
const logger = pino(
  { level: "debug" },
  new Writable({
    write(chunk, _encoding, done) {
      logText += String(chunk);
      done();
    },
  }),
);
const runtimes = new Map<ToolPolicyMode, CopilotRuntime>();
const registry = new ToolRegistry([advisorTool({ ask: async () => "fine", maxCallsPerRun: 1 })]);

beforeAll(async () => {
  fake = await startFakeModel();
  base = mkdtempSync(join(tmpdir(), "safety-policy-"));
  repos = join(base, "repos");
  mkdirSync(repos);
  writeFileSync(join(repos, "README.md"), "INSIDE-REPO-CONTENT");
  writeFileSync(join(base, "outside.env"), "OUTSIDE-SECRET");
});

afterAll(async () => {
  for (const runtime of runtimes.values()) await runtime.stop();
  await fake?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

/** One runtime per policy, configured the way the app will: availableTools and onPermissionRequest from the policy. */
function runtimeFor(mode: ToolPolicyMode): CopilotRuntime {
  let runtime = runtimes.get(mode);
  if (!runtime) {
    const policy = toolPolicy(mode, registry.names, { readRoots: [repos], logger });
    runtime = new CopilotRuntime({
      model: "fake-model",
      provider: { type: "openai", baseUrl: fake.url, apiKey: API_KEY },
      systemMessage: "You are a test assistant.",
      vision: false,
      workingDirectory: repos,
      homeDirectory: join(base, `home-${mode}`),
      availableTools: policy.availableTools,
      onPermissionRequest: policy.onPermissionRequest,
      retry: { attempts: 1 },
      logger,
    });
    runtimes.set(mode, runtime);
  }
  return runtime;
}

const turn = (mode: ToolPolicyMode) =>
  runtimeFor(mode).runSession({ prompt: "go", tools: registry.buildTools({ threadKey: "t" }), threadKey: "t" });

const offeredTools = (request: RecordedRequest) => (request.body.tools ?? []).map((t) => t.function.name);
const toolResults = (request: RecordedRequest) =>
  (request.body.messages ?? []).filter((m) => m.role === "tool").map((m) => messageText(m));

function scriptToolCall(name: string, args: unknown) {
  fake.reset();
  fake.script({ toolCalls: [{ name, arguments: args }] }, { text: "All done, here is my answer." });
}

describe("tool policy with the real runtime", () => {
  it("default policy: the shell command never runs, and the answer still completes", async () => {
    const marker = join(base, "made-by-shell-none");
    scriptToolCall("bash", { command: `touch ${marker}`, description: "make a file" });
    expect(await turn("none")).toBe("All done, here is my answer.");
    expect(existsSync(marker)).toBe(false);
    expect(fake.requests).toHaveLength(2);
    const offered = offeredTools(fake.requests[0]!);
    expect(offered).toEqual(["advisor"]);
    expect(toolResults(fake.requests[1]!).join("\n")).toMatch(/does not exist/);
  });

  it("read-only: the shell is still refused", async () => {
    const marker = join(base, "made-by-shell-read-only");
    scriptToolCall("bash", { command: `touch ${marker}`, description: "make a file" });
    expect(await turn("read-only")).toBe("All done, here is my answer.");
    expect(existsSync(marker)).toBe(false);
    expect(offeredTools(fake.requests[0]!).sort()).toEqual(["advisor", "glob", "grep", "view"]);
  });

  it("read-only: the repository can be read, a file outside it cannot", async () => {
    scriptToolCall("view", { path: join(repos, "README.md") });
    expect(await turn("read-only")).toBe("All done, here is my answer.");
    expect(toolResults(fake.requests[1]!).join("\n")).toContain("INSIDE-REPO-CONTENT");

    scriptToolCall("view", { path: join(base, "outside.env") });
    expect(await turn("read-only")).toBe("All done, here is my answer.");
    const result = toolResults(fake.requests[1]!).join("\n");
    expect(result).not.toContain("OUTSIDE-SECRET");
    expect(result).toMatch(/[Pp]ermission denied/);
    expect(logText).toContain("Tool request refused by the tool policy");
  });

  it("all: with shell explicitly allowed, the command runs", async () => {
    const marker = join(base, "made-by-shell-all");
    scriptToolCall("bash", { command: `touch ${marker}`, description: "make a file" });
    expect(await turn("all")).toBe("All done, here is my answer.");
    expect(existsSync(marker)).toBe(true);
  });

  it("never logged the provider key", () => {
    expect(logText.length).toBeGreaterThan(0);
    expect(logText).not.toContain(API_KEY);
  });
});
