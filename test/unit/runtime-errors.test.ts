import { describe, expect, it } from "vitest";
import { classifyFailure, isConnectionLost, isRetryable, type FailureInput } from "../../src/runtime/errors.js";
import type { FailureKind } from "../../src/runtime/events.js";

// [input, expected kind, expected retryable]. Messages are the runtime's real wording where we have seen it.
const cases: Array<[string, FailureInput, FailureKind, boolean]> = [
  // errorType alone decides, whatever the message says.
  ["errorType rate_limit", { message: "x", errorType: "rate_limit" }, "rate_limit", false],
  ["errorType authentication", { message: "x", errorType: "authentication" }, "authentication", false],
  ["errorType quota", { message: "x", errorType: "quota" }, "quota", false],
  ["errorType context_limit", { message: "x", errorType: "context_limit" }, "context_limit", false],
  ["errorType timeout", { message: "x", errorType: "timeout" }, "timeout", true],
  ["errorType wins over a retryable message", { message: "503 service unavailable", errorType: "rate_limit" }, "rate_limit", false],
  // The runtime's own messages after its internal retries.
  [
    "runtime gave up on 429",
    { message: "Failed to get response from the AI model; retried 5 times (total retry wait time: 5.00 seconds) Last error: 429 slow down", errorType: "rate_limit", statusCode: 429 },
    "rate_limit",
    false,
  ],
  [
    "runtime gave up on 503",
    { message: "Failed to get response from the AI model; retried 5 times (total retry wait time: 16.03 seconds) Last error: 503 overloaded now", errorType: "query", statusCode: 503 },
    "other",
    true,
  ],
  [
    "runtime gave up on a dropped stream",
    { message: "Failed to get response from the AI model; retried 5 times (total retry wait time: 5.00 seconds) Last error: Failed native model HTTP request: error decoding response body", errorType: "query" },
    "other",
    true,
  ],
  [
    "runtime gave up on 413",
    { message: "Failed to get response from the AI model; retried 5 times Last error: 413 context too long", errorType: "query", statusCode: 413 },
    "context_limit",
    false,
  ],
  ["400 is final", { message: "400 bad request here", errorType: "query", statusCode: 400 }, "other", false],
  [
    "400 about context length",
    { message: "400 This model's maximum context length is 128000 tokens.", errorType: "query", statusCode: 400 },
    "context_limit",
    false,
  ],
  [
    "provider 401",
    { message: "Authentication failed with provider at http://127.0.0.1:1/v1 (HTTP 401).", errorType: "authentication", statusCode: 401 },
    "authentication",
    false,
  ],
  ["no credentials at all", { message: "No GitHub OAuth token or Copilot HMAC key provided" }, "authentication", false],
  // Status code alone.
  ["status 429", { message: "x", statusCode: 429 }, "rate_limit", false],
  ["status 402", { message: "x", statusCode: 402 }, "quota", false],
  ["status 504", { message: "x", statusCode: 504 }, "timeout", true],
  ["status 502", { message: "x", statusCode: 502 }, "other", true],
  // Message only (exceptions thrown by the SDK).
  ["too many requests", { message: "Too Many Requests" }, "rate_limit", false],
  ["rate limit words", { message: "you hit a rate limit" }, "rate_limit", false],
  ["timed out", { message: "request timed out" }, "timeout", true],
  ["operation was aborted", { message: "The operation was aborted" }, "timeout", true],
  ["overloaded", { message: "model is overloaded" }, "other", true],
  ["service unavailable", { message: "Service Unavailable" }, "other", true],
  ["lost connection", { message: "Connection is closed." }, "other", true],
  ["quota words", { message: "You exceeded your current quota" }, "quota", false],
  ["plain failure", { message: "something odd happened" }, "other", false],
  // Numbers inside other numbers are not status codes.
  ["429 inside a number", { message: "took 14290 ms and failed" }, "other", false],
  ["503 inside a number", { message: "id 15030 failed" }, "other", false],
  ["empty message", { message: "" }, "other", false],
];

describe("classifyFailure / isRetryable", () => {
  it.each(cases)("%s", (_name, input, kind, retryable) => {
    const failure = classifyFailure(input);
    expect(failure.kind).toBe(kind);
    expect(isRetryable(failure)).toBe(retryable);
  });

  it("keeps errorType and statusCode and gives an empty message some words", () => {
    expect(classifyFailure({ message: "m", errorType: "query", statusCode: 400 })).toEqual({
      kind: "other",
      message: "m",
      errorType: "query",
      statusCode: 400,
    });
    expect(classifyFailure({ message: "" }).message).not.toBe("");
  });

  it("never retries rate limits, authentication, quota or context limits, whatever the message", () => {
    for (const kind of ["rate_limit", "authentication", "quota", "context_limit"] as const) {
      expect(isRetryable({ kind, message: "Failed to get response 503 timed out" })).toBe(false);
    }
  });
});

describe("isConnectionLost", () => {
  it.each([
    ["Connection is closed.", true],
    ["Connection is disposed.", true],
    ["CLI server exited unexpectedly with code null", true],
    ["400 bad request", false],
  ])("%s -> %s", (message, lost) => {
    expect(isConnectionLost(message)).toBe(lost);
  });
});
