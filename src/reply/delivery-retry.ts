/**
 * What a reply does when the platform fails one of its calls (a 429 aside, which pauses the budget instead).
 * A passing failure (TransientPlatformError: a 5xx, a network error, a timeout, Slack's internal_error…) is tried
 * again with backoff for a bounded time; a refusal that will not change by itself gets a few tries. Each try is a
 * new call through the budget carrying the newest text (the sender does that); this file only decides whether
 * and when. Past the bound the reply gives up on the answer and says so (reply-sender.ts).
 */
import type { Clock } from "./clock.js";
import { TransientPlatformError } from "./target.js";

/**
 * How long a reply keeps trying through passing platform failures before it gives up on the answer: about two
 * minutes covers Slack's and Discord's usual bad minutes and a proxy's restart, and is about as long as someone
 * waits on an answer before asking again.
 */
export const DELIVERY_RETRY_MS = 120_000;
/** Tries of a call the platform refuses for good (not a 429, not a passing failure) before giving up. */
export const DEFAULT_REFUSED_ATTEMPTS = 3;
/** Tries of the "could not be delivered" sentence once the reply gave up on the answer. */
export const NOTICE_ATTEMPTS = 3;
const FIRST_DELAY_MS = 500;
/** The longest wait between two tries: a platform that comes back is written to within this. */
const MAX_DELAY_MS = 10_000;

export interface DeliveryRetryOptions {
  /** How long passing failures in a row are tried again, from the first of them. */
  retryForMs: number;
  /** Tries of a call refused for good. */
  refusedAttempts: number;
  /** At most this many failed tries in a row, of any kind (default: no such cap). */
  maxAttempts?: number;
  /** Failures just before this policy took over (its waits go on growing from there; they count toward nothing else). */
  priorFailures?: number;
}

export type RetryDecision = { retryInMs: number } | { giveUp: true };

/** The wait before try `failures + 1`: exponential from half a second, capped. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

/** One reply's failures in a row: when to try again, and when to stop. A success starts over. */
export class DeliveryRetry {
  private firstFailureAt: number | undefined;
  private failures = 0;
  private refused = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: DeliveryRetryOptions,
  ) {}

  succeeded(): void {
    this.firstFailureAt = undefined;
    this.failures = 0;
    this.refused = 0;
  }

  /** Failed tries since the last success. */
  get failuresInARow(): number {
    return this.failures;
  }

  failed(error: unknown): RetryDecision {
    const now = this.clock.now();
    this.firstFailureAt ??= now;
    this.failures++;
    if (!(error instanceof TransientPlatformError)) this.refused++;
    const deadline = this.firstFailureAt + Math.max(0, this.options.retryForMs);
    if (
      now >= deadline ||
      this.refused >= Math.max(1, this.options.refusedAttempts) ||
      (this.options.maxAttempts !== undefined && this.failures >= this.options.maxAttempts)
    ) {
      return { giveUp: true };
    }
    // The last try lands on the deadline, not a backoff past it: the bound is the bound.
    return { retryInMs: Math.min(backoffMs(this.failures + (this.options.priorFailures ?? 0)), deadline - now) };
  }
}
