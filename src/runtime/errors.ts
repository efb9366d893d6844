/**
 * Sorting Copilot runtime failures into kinds, and deciding which ones are worth another attempt.
 * Inputs come from `session.error` events (errorType, message, statusCode) or from exceptions thrown by the
 * SDK (message only), so every rule works on the message text too.
 */
import type { FailureKind, RuntimeFailure } from "./events.js";

export interface FailureInput {
  message: string;
  errorType?: string;
  statusCode?: number;
}

/** The SDK's `errorType` values that map straight onto a kind. */
const KIND_BY_ERROR_TYPE: Record<string, FailureKind> = {
  rate_limit: "rate_limit",
  authentication: "authentication",
  authorization: "authentication",
  quota: "quota",
  context_limit: "context_limit",
  timeout: "timeout",
};

// Word boundaries keep "429" from matching inside "14290 ms" (the reference matched bare substrings).
const RATE_LIMIT = /\b429\b|rate[ _-]?limit|too many requests/i;
const AUTHENTICATION =
  /\b401\b|\b403\b|authentication|unauthori[sz]ed|invalid api key|incorrect api key|no github oauth token|not authenticated|forbidden/i;
const QUOTA = /\b402\b|quota|insufficient[ _]credits|billing|payment required/i;
const CONTEXT_LIMIT =
  /\b413\b|context[ _]length|context window|context[ _]limit|maximum context|too many tokens|token limit|prompt is too long|request too large/i;
const TIMEOUT = /timed out|timeout|operation was aborted/i;
/** A BYOK endpoint that does not answer at all (the runtime's own words, or a socket error's code). */
const UNREACHABLE = /could not connect|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/i;

/** Transient conditions worth a fresh session (the reference's list, plus a lost runtime connection). */
const RETRYABLE =
  /failed to get response|operation was aborted|timed out|timeout|\b50[234]\b|service unavailable|overloaded|connection is closed|connection is disposed|connection lost|runtime exited/i;

/** Sorts a failure by the SDK's errorType first, then the HTTP status, then the wording of the message. */
export function classifyFailure(input: FailureInput): RuntimeFailure {
  const failure: RuntimeFailure = { kind: kindOf(input), message: input.message || "Unknown Copilot runtime error" };
  if (input.errorType !== undefined) failure.errorType = input.errorType;
  if (input.statusCode !== undefined) failure.statusCode = input.statusCode;
  return failure;
}

function kindOf({ message, errorType, statusCode }: FailureInput): FailureKind {
  const byType = errorType ? KIND_BY_ERROR_TYPE[errorType.toLowerCase()] : undefined;
  if (byType) return byType;
  switch (statusCode) {
    case 429:
      return "rate_limit";
    case 401:
    case 403:
      return "authentication";
    case 402:
      return "quota";
    case 413:
      return "context_limit";
    case 408:
    case 504:
      return "timeout";
  }
  const text = message ?? "";
  // Rate limits first: the runtime's "retried 5 times ... 429" message also says "failed to get response".
  if (RATE_LIMIT.test(text)) return "rate_limit";
  if (AUTHENTICATION.test(text)) return "authentication";
  if (QUOTA.test(text)) return "quota";
  if (UNREACHABLE.test(text)) return "unreachable";
  if (CONTEXT_LIMIT.test(text)) return "context_limit";
  if (TIMEOUT.test(text)) return "timeout";
  return "other";
}

/**
 * Whether a new session might succeed. Rate limits are never retried here: the runtime has already retried
 * them five times, and more attempts would only multiply the wait. Timeouts always are.
 */
export function isRetryable(failure: RuntimeFailure): boolean {
  switch (failure.kind) {
    case "timeout":
      return true;
    case "other":
      return RETRYABLE.test(failure.message) || (failure.statusCode !== undefined && [502, 503, 504].includes(failure.statusCode));
    default:
      return false;
  }
}

/** Errors from the SDK meaning the runtime process or its connection is gone: the client must be replaced. */
export function isConnectionLost(message: string): boolean {
  return /connection is closed|connection is disposed|connection lost|cli server exited|runtime exited|write after end|EPIPE/i.test(message);
}

/** Thrown by `runSession`: carries the classified failure so callers can pick a user-facing sentence. */
export class RuntimeFailureError extends Error {
  readonly failure: RuntimeFailure;

  constructor(failure: RuntimeFailure) {
    super(failure.message);
    this.name = "RuntimeFailureError";
    this.failure = failure;
  }
}

/** Thrown by `runSession` when the request's signal aborted it. */
export class RuntimeAbortedError extends Error {
  constructor() {
    super("The Copilot request was aborted.");
    this.name = "AbortError";
  }
}

/** The message of anything thrown, for classification. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
}
