/**
 * Backs the advisor with the project's own runtime (CopilotRuntime.runSession): one extra, tool-less request for
 * the advisor's model, whose final answer text comes back. Retries and failure handling are the runtime's.
 */
import type { AnswerRequest } from "../runtime/types.js";
import type { AskAdvisor } from "./advisor.js";

/** The part of CopilotRuntime the advisor needs. */
export interface SessionRunner {
  runSession(request: AnswerRequest): Promise<string>;
}

export interface AskThroughRuntimeOptions {
  /** ADVISOR_MODEL; undefined uses the runtime's own model. */
  model?: string;
  /** Gives up after this long (default 120 s); the advisor then tells the model it is unavailable. */
  timeoutMs?: number;
}

const ADVISOR_FRAMING =
  "You are an advisor giving a second opinion to another assistant. Answer the question below directly and " +
  "concisely; say plainly when you are unsure.\n\nQuestion:\n";

export function askThroughRuntime(runtime: SessionRunner, options: AskThroughRuntimeOptions = {}): AskAdvisor {
  return (question, signal) => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    return runtime.runSession({
      prompt: ADVISOR_FRAMING + question,
      // No tools: the advisor only thinks, and cannot call itself.
      tools: [],
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      ...(options.model ? { model: options.model } : {}),
    });
  };
}
