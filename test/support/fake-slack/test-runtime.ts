/**
 * The real Copilot runtime (BYOK) pointed at the fake model, in a temp home that is removed on stop.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PermissionHandler } from "@github/copilot-sdk";
import type { Logger } from "pino";
import { CopilotRuntime } from "../../../src/runtime/index.js";
import type { AnswerRuntime } from "../../../src/runtime/types.js";

export interface TestRuntimeOptions {
  vision: boolean;
  logger: Logger;
  /** The provider key sent to the fake model (default "fake-key"). */
  apiKey?: string;
  /** From a tool policy (src/safety/tool-policy.ts); the runtime's safe defaults otherwise. */
  availableTools?: string[];
  onPermissionRequest?: PermissionHandler;
}

export async function startTestRuntime(
  modelUrl: string,
  options: TestRuntimeOptions,
): Promise<AnswerRuntime & { stop(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), "threadpilot-slack-"));
  const runtime = new CopilotRuntime({
    model: "fake-model",
    provider: { type: "openai", baseUrl: modelUrl, apiKey: options.apiKey ?? "fake-key" },
    systemMessage: "You are a test assistant in Slack.",
    vision: options.vision,
    workingDirectory: base,
    homeDirectory: join(base, "home"),
    retry: { attempts: 1 },
    ...(options.availableTools ? { availableTools: options.availableTools } : {}),
    ...(options.onPermissionRequest ? { onPermissionRequest: options.onPermissionRequest } : {}),
    logger: options.logger,
  });
  try {
    await runtime.start();
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
  return {
    stream: (request) => runtime.stream(request),
    async stop() {
      await runtime.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
}
