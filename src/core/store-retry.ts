/**
 * A message that arrives while the state store is unreachable (Redis down or failing over) is not dropped: each
 * store step of its intake is retried with backoff until a deadline; past it, the user is told in one sentence
 * that the bot cannot answer right now. Nothing needs a restart: the next message simply works.
 */

/** How long a message's intake keeps trying an unreachable store (STORE_RETRY_MS would tune it; 60 s is the default). */
export const DEFAULT_STORE_RETRY_MS = 60_000;

const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5_000;

/** What the user reads when their message could not be taken because the store stayed unreachable. */
export const STORE_UNREACHABLE_SENTENCE = "Sorry, I cannot answer right now because my state store is unreachable; please try again in a few minutes.";

/** The store stayed unreachable until the deadline (or shutdown began while waiting for it). */
export class StoreUnreachableError extends Error {
  override name = "StoreUnreachableError";
  constructor(
    readonly shuttingDown: boolean,
    cause: unknown,
  ) {
    super(shuttingDown ? "The bot began shutting down while the state store was unreachable." : "The state store stayed unreachable.", { cause });
  }
}

export interface StoreRetryOptions {
  /** Epoch ms after which no new attempt is made. */
  deadline: number;
  /** Aborted at shutdown: waiting stops. */
  signal: AbortSignal;
  /** Told of each failed attempt that will be retried (the first is worth a log line). */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Runs `operation` until it succeeds; throws StoreUnreachableError once the deadline has passed. */
export async function retryStore<T>(operation: () => Promise<T>, options: StoreRetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const left = options.deadline - Date.now();
      if (options.signal.aborted) throw new StoreUnreachableError(true, error);
      if (left <= 0) throw new StoreUnreachableError(false, error);
      options.onRetry?.(error, attempt);
      await pause(Math.min(left, LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(attempt, 10)), options.signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
