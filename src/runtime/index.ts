/** The Copilot runtime's public surface. */
export { CopilotRuntime } from "./copilot-runtime.js";
export type { CopilotRuntimeOptions } from "./options.js";
export { runtimeEnvironment } from "./options.js";
export { DEFAULT_RETRY_POLICY, backoffDelay, type RetryPolicy } from "./backoff.js";
export {
  classifyFailure,
  isRetryable,
  isConnectionLost,
  RuntimeFailureError,
  RuntimeAbortedError,
  type FailureInput,
} from "./errors.js";
export { ownToolsOnly, defaultAvailableTools } from "./safe-defaults.js";
export type { RuntimeEvent, RuntimeFailure, FailureKind } from "./events.js";
export type { AnswerRequest, AnswerRuntime } from "./types.js";
