/**
 * How many answers stream in a platform scope on the other replicas, for the scheduler's reserve for finals
 * (scheduler.ts, `limitFor`): each replica reports its own count (its answers that still owe a final) to the store
 * under its replica id, with an expiry renewed while it has answers (a crashed replica's answers stop counting
 * once it ran out), and reads the sum back in the same store call.
 *
 * A grant never waits for the store: the scheduler reads the last known sum, and reports go out in the background
 * — when this replica's count changes, at most every `refreshMs` while its budget decides grants, and every
 * third of the expiry while it has answers. A store that fails or hangs (`timeout`) leaves only this replica's
 * own count, as its budget then falls back to its own window.
 */
import type { StateStore } from "../../store/types.js";
import type { Clock } from "../clock.js";

/** The store operation the count needs. */
export type CountStore = Pick<StateStore, "reportCount">;

/** How long a replica's reported count lasts unless renewed: a crashed replica's answers count no longer. */
export const DEFAULT_ANSWER_COUNT_TTL_MS = 6_000;
/** The least time between two reports made because the budget is deciding grants. */
export const DEFAULT_ANSWER_COUNT_REFRESH_MS = 500;

export interface SharedAnswerCountOptions {
  clock: Clock;
  /** This replica's name in the store (one per process). */
  replicaId: string;
  ttlMs?: number;
  refreshMs?: number;
  /** Wraps each store call: rejects once the store took too long. */
  timeout: <T>(operation: Promise<T>) => Promise<T>;
  /** Told of a failed report, and of one that worked. */
  failed: (error: unknown) => void;
  answered: () => void;
  /** Told when the other replicas' answers became fewer (the reserve shrank: a waiter may go now). */
  onFewer: () => void;
}

export class SharedAnswerCount {
  private readonly ttlMs: number;
  private readonly refreshMs: number;
  /** The other replicas' answers in the scope, as of the last report that worked (at `othersAt`). */
  private othersReported = 0;
  private othersAt = -Infinity;
  private lastReportAt = -Infinity;
  private reporting = false;
  /** This replica's count changed while a report was out: report again when it is back. */
  private again = false;
  /** Ends the renewal loop's sleep once this replica has no answers left. */
  private renewal: AbortController | undefined;

  constructor(
    private readonly key: string,
    private readonly store: CountStore,
    /** This replica's own answers in the scope that owe a final, now: what it reports. */
    private readonly own: () => number,
    private readonly options: SharedAnswerCountOptions,
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_ANSWER_COUNT_TTL_MS;
    this.refreshMs = Math.min(options.refreshMs ?? DEFAULT_ANSWER_COUNT_REFRESH_MS, this.ttlMs / 3);
  }

  /**
   * The answers owing a final in the scope on the other replicas, as far as the last report knows. A report
   * older than the count's expiry (a replica with no answers and nothing waiting makes none) no longer says
   * anything: the answers it counted may all have ended.
   */
  get others(): number {
    return this.options.clock.now() - this.othersAt < this.ttlMs ? this.othersReported : 0;
  }

  /** This replica's count changed (an answer joined or left): the others learn it now. */
  changed(): void {
    this.report(true);
    if (this.own() > 0) this.renew();
    else this.renewal?.abort();
  }

  /** The budget is about to decide: refreshes the others' count if the last report is older than `refreshMs`. */
  refresh(): void {
    if (this.options.clock.now() - this.lastReportAt >= this.refreshMs) this.report(false);
  }

  private report(force: boolean): void {
    if (this.reporting) {
      this.again ||= force;
      return;
    }
    this.reporting = true;
    this.lastReportAt = this.options.clock.now();
    void this.send().finally(() => {
      this.reporting = false;
      if (!this.again) return;
      this.again = false;
      this.report(true);
    });
  }

  private async send(): Promise<void> {
    const mine = this.own();
    const before = this.othersReported;
    try {
      const sum = await this.options.timeout(this.store.reportCount(this.key, this.options.replicaId, mine, this.ttlMs));
      if (typeof sum !== "number" || !Number.isFinite(sum) || sum < 0) {
        throw new Error(`the state store answered ${String(sum)} for the scope's answer count`);
      }
      this.options.answered();
      this.othersReported = Math.max(0, sum - mine);
      this.othersAt = this.options.clock.now();
    } catch (error) {
      this.options.failed(error);
      // Only this replica's own answers are known now (as its budget falls back to its own window).
      this.othersReported = 0;
    }
    if (this.othersReported < before) this.options.onFewer();
  }

  /** Renews this replica's report while it has answers, so it does not expire under them. */
  private renew(): void {
    // An aborted loop is on its way out; a new answer needs a loop of its own.
    if (this.renewal && !this.renewal.signal.aborted) return;
    const stop = new AbortController();
    this.renewal = stop;
    const every = this.ttlMs / 3;
    void (async () => {
      try {
        while (!stop.signal.aborted && this.own() > 0) {
          await this.options.clock.sleep(every, stop.signal);
          // A report made meanwhile (a join, a grant being decided) renewed it already.
          if (!stop.signal.aborted && this.options.clock.now() - this.lastReportAt >= every) this.report(true);
        }
      } finally {
        if (this.renewal === stop) this.renewal = undefined;
      }
    })();
  }
}
