/**
 * The real Copilot runtime wired to the fake model (test/support/fake-model), for tests and benchmarks: BYOK
 * against the fake, no GitHub token, a temp directory removed on close.
 *
 * - `createTestRuntime`: the runtime itself, not started (runtime tests drive it directly); silent, retries of
 *   a few milliseconds, the temp directory as both COPILOT_HOME and working directory.
 * - `startTestRuntime`: a started runtime as the Answerer sees it (`AnswerRuntime`), for the platform harnesses
 *   and the e2e bench: the caller's logger, one attempt per request.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PermissionHandler } from "@github/copilot-sdk";
import { pino, type Logger } from "pino";
import { CopilotRuntime } from "../../src/runtime/copilot-runtime.js";
import type { CopilotRuntimeOptions } from "../../src/runtime/options.js";
import type { AnswerRuntime } from "../../src/runtime/types.js";
import type { FakeModel } from "./fake-model/server.js";

export const TEST_SYSTEM_MESSAGE = "You are threadpilot's test assistant.";
export const TEST_MODEL = "fake-model";
/** The system message of the chat harnesses' runtime. */
const CHAT_SYSTEM_MESSAGE = "You are a test assistant in Slack.";

export interface TestRuntime {
  runtime: CopilotRuntime;
  /** The temp directory: COPILOT_HOME and working directory unless the overrides move them inside it. */
  home: string;
  /** Stops the runtime process and removes the temp directory. */
  close(): Promise<void>;
}

/** Runtime options over the defaults; a function gets the temp directory, to place the home or working directory in it. */
export type TestRuntimeOverrides = Partial<CopilotRuntimeOptions> | ((tempDir: string) => Partial<CopilotRuntimeOptions>);

export function createTestRuntime(fake: Pick<FakeModel, "url">, overrides: TestRuntimeOverrides = {}): TestRuntime {
  const home = mkdtempSync(join(tmpdir(), "threadpilot-copilot-home-"));
  const runtime = new CopilotRuntime({
    model: TEST_MODEL,
    provider: { type: "openai", baseUrl: fake.url, apiKey: "test-key" },
    systemMessage: TEST_SYSTEM_MESSAGE,
    vision: false,
    homeDirectory: home,
    workingDirectory: home,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    logger: pino({ level: "silent" }),
    ...(typeof overrides === "function" ? overrides(home) : overrides),
  });
  return {
    runtime,
    home,
    close: async () => {
      await runtime.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface TestRuntimeOptions {
  vision: boolean;
  logger: Logger;
  /** The provider key sent to the fake model (default "fake-key"). */
  apiKey?: string;
  /** From a tool policy (src/safety/tool-policy.ts); the runtime's safe defaults otherwise. */
  availableTools?: string[];
  onPermissionRequest?: PermissionHandler;
}

/** A started runtime against the fake model at `modelUrl`; `stop` ends it and removes its temp directory. */
export async function startTestRuntime(
  modelUrl: string,
  options: TestRuntimeOptions,
): Promise<AnswerRuntime & { stop(): Promise<void> }> {
  const test = createTestRuntime({ url: modelUrl }, (dir) => ({
    provider: { type: "openai", baseUrl: modelUrl, apiKey: options.apiKey ?? "fake-key" },
    systemMessage: CHAT_SYSTEM_MESSAGE,
    vision: options.vision,
    workingDirectory: dir,
    homeDirectory: join(dir, "home"),
    retry: { attempts: 1 },
    ...(options.availableTools ? { availableTools: options.availableTools } : {}),
    ...(options.onPermissionRequest ? { onPermissionRequest: options.onPermissionRequest } : {}),
    logger: options.logger,
  }));
  try {
    await test.runtime.start();
  } catch (error) {
    rmSync(test.home, { recursive: true, force: true });
    throw error;
  }
  return {
    stream: (request) => test.runtime.stream(request),
    stop: () => test.close(),
  };
}

/** Pids of the Copilot runtime processes this process spawned (one per started client). */
export function copilotRuntimePids(): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when there are no children.
  }
  return out
    .split("\n")
    .filter((line) => line.includes("copilot") && !line.includes("<defunct>"))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
