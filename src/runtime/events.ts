/**
 * What a streamed Copilot answer looks like to the rest of threadpilot. The runtime translates the SDK's
 * session events into these, so the reply streamer and the adapters never depend on the SDK's event shapes.
 */
export type FailureKind =
  | "rate_limit"
  | "authentication"
  /** Signed in to GitHub, but the account (or the token's permissions) has no Copilot access. */
  | "no_access"
  /** The model service (GitHub, or the BYOK endpoint) could not be reached: a network problem, not credentials. */
  | "unreachable"
  | "timeout"
  | "quota"
  | "context_limit"
  | "other";

export interface RuntimeFailure {
  kind: FailureKind;
  /** The runtime's own message; for logs, never shown to users verbatim. */
  message: string;
  /** The SDK's `errorType`, when the failure came from a `session.error` event. */
  errorType?: string;
  statusCode?: number;
}

export type RuntimeEvent =
  /** A piece of answer text, in order. */
  | { type: "delta"; text: string; messageId: string }
  /** The authoritative text of one model call (a turn that calls tools has several; some are empty). */
  | { type: "message"; content: string; messageId: string; hasToolRequests: boolean }
  /**
   * A partly streamed model call was abandoned inside the runtime (it retries the model call itself, with a new
   * messageId): drop the deltas of `messageId`, they will not be completed. Other messages stay valid.
   */
  | { type: "message_discarded"; messageId: string }
  | { type: "tool_start"; toolCallId: string; toolName: string }
  | { type: "tool_end"; toolCallId: string; toolName: string; success: boolean }
  /**
   * The attempt so far was abandoned and a new one starts after `delayMs`: everything streamed since the
   * request began (or since the previous `retry`) is void and will be streamed again.
   */
  | { type: "retry"; attempt: number; delayMs: number; failure: RuntimeFailure }
  /** What one model call used (sub-agents' calls included: they cost too). */
  | { type: "usage"; usage: ModelUsage }
  /** The runtime refused the next model call: the answer's credit limit (sessionLimits.maxAiCredits) is spent. */
  | { type: "credit_limit"; usedCredits?: number; maxCredits?: number }
  /** Terminal: the answer failed for good. */
  | { type: "error"; failure: RuntimeFailure }
  /** Terminal: the answer is complete (or was aborted). */
  | { type: "done"; aborted: boolean };

/** What one model call used, as the runtime reported it (`assistant.usage`). */
export interface ModelUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (counted in inputTokens too); 0 when not reported. */
  cachedInputTokens: number;
  /** AI credits in billionths (the service's nano AI units); 0 when none are reported, as with BYOK providers. */
  nanoCredits: number;
}
