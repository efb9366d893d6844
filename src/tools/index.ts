/** The bot's own tools, ready for the app: `defaultToolRegistry(...)` then `registry.buildTools(...)` per run. */
import { advisorTool, type AskAdvisor } from "./advisor.js";
import { readThreadTool } from "./read-thread.js";
import { ToolRegistry } from "./registry.js";
import type { Logger } from "pino";

export { ToolRegistry, type AnyTool, type ToolRunContext, type ThreadTool } from "./registry.js";
export { advisorTool, ADVISOR_TOOL_NAME, type AskAdvisor, type AdvisorOptions } from "./advisor.js";
export { readThreadTool, READ_THREAD_TOOL_NAME, type ReadOlder, type OlderMessagesPage } from "./read-thread.js";
export { askThroughRuntime, type AskThroughRuntimeOptions, type SessionRunner } from "./ask-through-runtime.js";

export interface DefaultToolsOptions {
  /** Undefined (no ADVISOR_MODEL and no runtime to ask) leaves the advisor out. */
  ask?: AskAdvisor;
  /** ADVISOR_MAX_CALLS (default 2). */
  advisorMaxCalls?: number;
  logger?: Logger;
}

export function defaultToolRegistry(options: DefaultToolsOptions): ToolRegistry {
  return new ToolRegistry([
    ...(options.ask
      ? [advisorTool({ ask: options.ask, maxCallsPerRun: options.advisorMaxCalls ?? 2, ...(options.logger ? { logger: options.logger } : {}) })]
      : []),
    readThreadTool(options.logger ? { logger: options.logger } : {}),
  ]);
}
