/**
 * The real Copilot runtime wired to a fake model, for tests and benchmarks: BYOK against the fake, no GitHub
 * token, a temp COPILOT_HOME, a silent logger and retry delays of a few milliseconds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { CopilotRuntime } from "../../../src/runtime/copilot-runtime.js";
import type { CopilotRuntimeOptions } from "../../../src/runtime/options.js";
import type { FakeModel } from "./server.js";

export const TEST_SYSTEM_MESSAGE = "You are threadpilot's test assistant.";
export const TEST_MODEL = "fake-model";

export interface TestRuntime {
  runtime: CopilotRuntime;
  /** The temp COPILOT_HOME. */
  home: string;
  /** Stops the runtime process and removes the temp home. */
  close(): Promise<void>;
}

export function createTestRuntime(fake: FakeModel, overrides: Partial<CopilotRuntimeOptions> = {}): TestRuntime {
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
    ...overrides,
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
