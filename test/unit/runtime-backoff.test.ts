import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY_POLICY, sleepUnlessAborted } from "../../src/runtime/backoff.js";

describe("backoffDelay", () => {
  it("is the reference's formula: min(base * 2^attempt, max) * (0.5 + random * 0.5)", () => {
    const policy = DEFAULT_RETRY_POLICY;
    expect(backoffDelay(0, policy, () => 0)).toBe(1_500);
    expect(backoffDelay(0, policy, () => 1)).toBe(3_000);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(4_500);
    expect(backoffDelay(2, policy, () => 1)).toBe(12_000);
  });

  it("is capped at maxDelayMs however many attempts", () => {
    expect(backoffDelay(10, DEFAULT_RETRY_POLICY, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000, DEFAULT_RETRY_POLICY, () => 1)).toBe(30_000);
  });

  it("stays between half and all of the capped exponential delay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (attempt, baseDelayMs, maxDelayMs, r) => {
          const capped = Math.min(baseDelayMs * 2 ** attempt, maxDelayMs);
          const delay = backoffDelay(attempt, { baseDelayMs, maxDelayMs }, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(capped * 0.5));
          expect(delay).toBeLessThanOrEqual(Math.ceil(capped));
        },
      ),
    );
  });

  it("draws exactly one random number per delay", () => {
    let calls = 0;
    backoffDelay(1, DEFAULT_RETRY_POLICY, () => {
      calls++;
      return 0.3;
    });
    expect(calls).toBe(1);
  });
});

describe("sleepUnlessAborted", () => {
  it("resolves true after the delay", async () => {
    expect(await sleepUnlessAborted(1)).toBe(true);
  });

  it("resolves false at once when the signal is already aborted", async () => {
    expect(await sleepUnlessAborted(60_000, AbortSignal.abort())).toBe(false);
  });

  it("resolves false when the signal aborts during the wait", async () => {
    const controller = new AbortController();
    const sleeping = sleepUnlessAborted(60_000, controller.signal);
    controller.abort();
    expect(await sleeping).toBe(false);
  });
});
