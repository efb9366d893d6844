/**
 * Edit budgets shared by every replica: the platforms limit a scope (Slack: 50 chat.update a minute per
 * WORKSPACE; Discord: 5 per 5 s per CHANNEL), not a process, so replicas sharing a store must draw from one
 * window kept in that store. Each replica still queues its own replies first come, first served; only the head
 * of its queue asks the store, so a replica costs one store call per granted edit (plus one per wake-up). The
 * count of answers the reserve for finals needs (where the window outlasts an answer: `sharesAnswerCount`) costs
 * one more now and then (shared-answer-count.ts): on each join and leave, at most one per grant's share of the
 * window while it decides, and one every 2 s while it has answers.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { StateStore } from "../../store/types.js";
import { BudgetRegistry, ScopeBudget, type BudgetRate, type ScopeEditBudget } from "./budget.js";
import { realClock, type Clock } from "../clock.js";
import type { CallDone } from "../target.js";
import { ActiveReplies, WaiterQueue } from "./waiter-queue.js";
import { DEFAULT_ANSWER_LIFE_MS, choose, limitFor, owingScope, type CallClaim, type ClaimKind, type ScopeState } from "./scheduler.js";
import { DEFAULT_ANSWER_COUNT_REFRESH_MS, SharedAnswerCount } from "./shared-answer-count.js";

/** The store operations a shared budget needs: the window, its pause, and the scope's answers on every replica. */
export type RateStore = Pick<StateStore, "takeRateSlot" | "pauseRate" | "reportCount">;

/** Longest wait for the store's answer before a grant comes from the local window instead. */
const DEFAULT_STORE_TIMEOUT_MS = 2_000;
/** After a store failure, how long grants come from the local window before the store is asked again. */
const DEFAULT_LOCAL_FOR_MS = 5_000;
/**
 * The store's window is this much longer than the platform's: a grant is timed by the store, the platform times
 * the call's arrival, and the hops in between (store reply, scheduling, network) vary from call to call. Two
 * calls granted exactly a window apart could otherwise arrive less than a window apart and draw a 429.
 */
export function jitterMarginMs(perMs: number): number {
  return Math.min(1_000, Math.max(100, Math.ceil(perMs * 0.02)));
}
/** Pause assumed for a 429 without a usable retry-after (as ScopeBudget does). */
const DEFAULT_PAUSE_MS = 1_000;

/**
 * Says once that the store failed and budgets fell back to each replica's own window, and once that it answers
 * again: one line per outage for the whole registry, not one per edit or scope.
 */
export class StoreOutage {
  private down = false;

  constructor(private readonly logger?: Logger) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger?.warn(
      { err: error },
      "The state store did not answer for the shared edit budget; each replica keeps its own budget until it does",
    );
  }

  answered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger?.info("The state store answers again; replicas share their edit budgets again");
  }
}

export interface SharedBudgetOptions {
  clock?: Clock;
  outage?: StoreOutage;
  storeTimeoutMs?: number;
  localForMs?: number;
  /** This replica's name when it reports its answers in the scope (default: a new random id per budget). */
  replicaId?: string;
  /** How long a reported answer count lasts unless renewed (a crashed replica's answers stop counting then). */
  answerCountTtlMs?: number;
}

/**
 * Whether a scope's budget counts the answers of every replica (a store call per join, leave and grant's share of
 * the window). Only where the window outlasts an answer (Slack's minute): a final left without a slot there waits
 * up to a minute, longer than the answer took. In a shorter window (Discord's 5 s per channel, 1 s per bot) it
 * waits at most that window, and the reserve already counts only the share of answers that end within one; there
 * the count would cost a store call per grant in every channel (200 busy channels: ~200 a second on SQLite, the
 * default store) for at most a few seconds saved.
 */
export function sharesAnswerCount(rate: BudgetRate): boolean {
  return rate.perMs > DEFAULT_ANSWER_LIFE_MS;
}

/**
 * One platform scope's budget, enforced across replicas by the store's sliding window (`takeRateSlot`), with
 * a 429 seen by any replica pausing the scope for all (`pauseRate`). A store that fails or hangs never hangs a
 * reply: grants then come from a local window of the same rate until the store answers again.
 *
 * The scheduler's rule (scheduler.ts) holds across replicas too: each replica picks its own next call (finals
 * and first words first, then the best streaming call, spaced), and asks the store's window with that call's
 * limit — a streaming call is refused by the store once the window holds `calls − reserve`, whichever replica
 * made them. The reserve counts every replica's running answers (shared-answer-count.ts): with each counting
 * only its own, two replicas with ten answers each let streaming fill Slack's 50 to 38, and 8 of the 20 finals
 * waited for the next minute.
 */
export class SharedScopeBudget implements ScopeEditBudget {
  readonly calls: number;
  /** The platform's window, for the streamer's pacing; the store enforces it with `jitterMarginMs` on top. */
  readonly perMs: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly outage: StoreOutage;
  private readonly storeTimeoutMs: number;
  private readonly localForMs: number;
  /** The window this replica falls back to while the store is failing. */
  private readonly local: ScopeBudget;
  // A settling call arriving shrinks the reserve (its reply owes no final): that may let a waiter go sooner, here
  // and, once reported, on the other replicas.
  private readonly waiters = new WaiterQueue<CallDone | void>((claim) => {
    if (claim?.settles) this.answers?.changed();
    this.poke(claim?.kind ?? "final", claim?.settles === true);
  });
  private readonly replies: ActiveReplies;
  /**
   * The answers in the scope on every replica, for the reserve (read from a cache, never awaited); only where
   * the window outlasts an answer (`sharesAnswerCount`).
   */
  private readonly answers: SharedAnswerCount | undefined;
  private draining = false;
  /**
   * Aborted when something changed that may let a waiter go sooner than the drain sleeps for: a call that may
   * use more of the window than the one it waits for arrives, or a reply left (the reserve shrank).
   */
  private wake = new AbortController();
  /** The kind of call the drain sleeps for (undefined: it is not sleeping on the window). */
  private blockedOn: ClaimKind | undefined;
  private lastStreamAt = -Infinity;
  /** This replica's own grants within the window: its estimate of the window's use, for `room`. */
  private recent: number[] = [];
  /** This replica's copy of a pause it set, so its replies do not ask the store during it. */
  private pausedUntil = -Infinity;
  /** Grants come from `local` until then (the store failed). */
  private localUntil = -Infinity;

  constructor(
    readonly key: string,
    rate: BudgetRate,
    private readonly store: RateStore,
    options: SharedBudgetOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    // Validates the rate with ScopeBudget's clear messages.
    this.local = new ScopeBudget(rate, this.clock);
    this.calls = rate.calls;
    this.perMs = rate.perMs;
    this.windowMs = rate.perMs + jitterMarginMs(rate.perMs);
    this.outage = options.outage ?? new StoreOutage();
    this.storeTimeoutMs = options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.localForMs = options.localForMs ?? DEFAULT_LOCAL_FOR_MS;
    this.replies = new ActiveReplies(
      () => this.clock.now(),
      () => {
        this.answers?.changed();
        this.poke("stream", true);
      },
    );
    if (!sharesAnswerCount(rate)) return;
    // What the other replicas reserve for: this replica's answers that still owe a final (a reply whose settling
    // call waits here owes none; locally `owingScope` takes those off, from the claims).
    this.answers = new SharedAnswerCount(key, store, () => Math.max(0, this.replies.active - this.settling()), {
      clock: this.clock,
      replicaId: options.replicaId ?? randomUUID(),
      ...(options.answerCountTtlMs !== undefined ? { ttlMs: options.answerCountTtlMs } : {}),
      // Never fresher than the window's pace: at most one grant can come between two calls `perMs / calls`
      // apart, so refreshing more often buys nothing (Slack's 50 a minute: every 1.2 s, about one per grant).
      refreshMs: Math.max(DEFAULT_ANSWER_COUNT_REFRESH_MS, rate.perMs / rate.calls),
      timeout: (operation) => this.withTimeout(operation),
      failed: (error) => this.outage.failed(error),
      answered: () => this.outage.answered(),
      onFewer: () => this.poke("stream", true),
    });
  }

  /** Something changed: wakes a sleeping drain if a `kind` call may now go sooner, and drains. */
  private poke(kind: ClaimKind, reserveShrank = false): void {
    const rank = { final: 0, first: 1, stream: 2 } as const;
    const blocked = this.blockedOn;
    if (blocked !== undefined && (rank[kind] < rank[blocked] || (reserveShrank && blocked !== "final"))) this.wake.abort();
    void this.drain();
  }

  /**
   * The replies streaming in this scope on EVERY replica: this replica's own now, the others' that still owe a
   * final as last reported to the store. Scope-wide because each reader asks about the scope's window, which
   * every replica's answers draw on: the reserve for finals (`limitFor`), the native-streaming choice (a stop must
   * be left in the shared stop window for every native answer running, and each path's room is shared by all
   * answers in the scope) and a nested budget's choice of the binding window. Outdated by at most a report, and
   * never below this replica's own count; the store still enforces the window itself, so an outdated count can
   * only misplace the reserve.
   */
  get active(): number {
    return this.replies.active + (this.answers?.others ?? 0);
  }

  /** This replica's replies whose settling call waits here: their final text is out, only their buttons are left. */
  private settling(): number {
    return this.waiters.claims().filter((claim) => claim?.settles).length;
  }

  /** Nothing waits or streams here and no pause is pending: forgetting it loses nothing (the store keeps the window). */
  get idle(): boolean {
    return (
      this.replies.active === 0 &&
      this.waiters.length === 0 &&
      !this.draining &&
      this.clock.now() >= this.pausedUntil &&
      this.local.idle
    );
  }

  join(): () => void {
    const leave = this.replies.join();
    this.answers?.changed();
    return leave;
  }

  take(signal?: AbortSignal, claim?: CallClaim): Promise<CallDone | void> {
    // The drain finds the waiter it asked the store for by its claim: each take brings its own claim object.
    return this.waiters.wait(signal, claim ?? { kind: "final" });
  }

  /**
   * Calls of `kind` the window would still grant now, as far as this replica knows (its own grants and waiters;
   * the store, which knows every replica's, still decides each grant).
   */
  room(kind: ClaimKind): number {
    return limitFor(kind, owingScope(this.scope(), this.waiters.claims())) - this.ownUse() - this.waiters.length;
  }

  /** This replica's grants still in the window (a lower bound of the window's use). */
  private ownUse(): number {
    const horizon = this.clock.now() - this.windowMs;
    if (this.recent.length > 0 && this.recent[0]! <= horizon) this.recent = this.recent.filter((at) => at > horizon);
    return this.recent.length;
  }

  private scope(): ScopeState {
    // This replica's own grants: the other replicas' are the store's to count. The answers owing a final are
    // every replica's; their age and life stay this replica's own (only the count is shared).
    const own = this.replies.scope(this, (ms) => {
      const by = this.clock.now() + ms - this.windowMs;
      return this.recent.filter((at) => at <= by).length;
    });
    return { ...own, active: this.active };
  }

  pause(retryAfterMs: number): void {
    const ms = Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : DEFAULT_PAUSE_MS;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.local.pause(ms);
    // Every other replica learns of it at its next ask; a store that cannot take the pause is reported, and this
    // replica still holds it.
    const report = (error: unknown) => this.outage.failed(error);
    try {
      void this.withTimeout(this.store.pauseRate(this.key, ms)).catch(report);
    } catch (error) {
      report(error);
    }
  }

  /**
   * Serves the queue until it is empty, one loop per budget: the scheduler picks the call to ask for, and only
   * that one asks the store (with its kind's limit).
   */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.waiters.length > 0) {
        const now = this.clock.now();
        if (this.wake.signal.aborted) this.wake = new AbortController();
        if (now < this.pausedUntil) {
          await this.clock.sleep(this.pausedUntil - now);
          continue;
        }
        // The other replicas' answers, for the next decision (this one uses the last known count).
        this.answers?.refresh();
        const claims = this.waiters.claims();
        // The store knows the window's use; locally the order and the streaming spacing are decided, on this
        // replica's own share of the window (a lower bound: it never holds back a call the store would grant).
        const choice = choose(claims, this.ownUse(), this.scope(), now, this.lastStreamAt);
        if (choice.grant === undefined) {
          // Blocked by the spacing, or by this replica's own grants filling the window: until the first of them
          // leaves it (a lower bound; the store, asked then, knows the rest).
          const ownFreesAt = this.recent.length > 0 ? this.recent[0]! + this.windowMs : now + this.windowMs;
          await this.sleepBlocked("stream", Math.min(ownFreesAt, choice.retryAt ?? Infinity) - now);
          continue;
        }
        const claim = claims[choice.grant]!;
        if (now < this.localUntil) {
          // The local window counts the call when it finishes: hand its `done` on to the caller.
          this.hand(claim, await this.local.take(undefined, claim));
          continue;
        }
        // The limit the scheduler granted it under: no final kept for replies that only settle.
        const limit = limitFor(claim.kind, owingScope(this.scope(), claims));
        const wait = limit >= 1 ? await this.askStore(limit) : this.windowMs;
        if (wait === 0) this.hand(claim, undefined);
        // A slot frees within a window; a longer wait is another replica's pause: look again after a window, or
        // sooner when a call that may use more of the window arrives.
        else if (wait !== undefined) await this.sleepBlocked(claim.kind, Math.min(wait, this.windowMs));
      }
    } finally {
      this.draining = false;
    }
  }

  private async sleepBlocked(kind: ClaimKind, ms: number): Promise<void> {
    this.blockedOn = kind;
    try {
      await this.clock.sleep(ms, this.wake.signal);
    } finally {
      this.blockedOn = undefined;
    }
  }

  /** Gives a grant taken for `claim` to its waiter; if that one left meanwhile, to the oldest (or releases it). */
  private hand(claim: CallClaim, done: CallDone | void): void {
    const now = this.clock.now();
    this.recent.push(now);
    if (claim.kind === "stream") this.lastStreamAt = now;
    const index = this.waiters.claims().indexOf(claim);
    if (!this.waiters.grantAt(Math.max(0, index), done)) done?.();
  }

  /** The store's answer (0: a slot was taken), or undefined after switching to the local window. */
  private async askStore(limit: number): Promise<number | undefined> {
    try {
      const wait = await this.withTimeout(this.store.takeRateSlot(this.key, limit, this.windowMs));
      if (typeof wait !== "number" || !Number.isFinite(wait) || wait < 0) {
        throw new Error(`the state store answered ${String(wait)} for a rate slot`);
      }
      this.outage.answered();
      return wait;
    } catch (error) {
      this.outage.failed(error);
      this.localUntil = this.clock.now() + this.localForMs;
      return undefined;
    }
  }

  /** `operation`, or a rejection once the store has taken `storeTimeoutMs` (a hung connection must not hang replies). */
  private async withTimeout<T>(operation: Promise<T>): Promise<T> {
    // A late rejection, after the timeout won, is already reported as the timeout.
    operation.catch(() => undefined);
    const done = new AbortController();
    const timeout = this.clock.sleep(this.storeTimeoutMs, done.signal).then(() => {
      if (!done.signal.aborted) throw new Error(`the state store did not answer within ${this.storeTimeoutMs} ms`);
    });
    try {
      return (await Promise.race([operation, timeout])) as T;
    } finally {
      done.abort();
    }
  }
}

export interface SharedBudgetRegistryOptions {
  clock?: Clock;
  logger?: Logger;
  storeTimeoutMs?: number;
  localForMs?: number;
  /** How long a replica's reported answer count lasts unless renewed (see SharedAnswerCount). */
  answerCountTtlMs?: number;
}

/** A registry whose budgets are kept in a store that several replicas share. */
export class SharedBudgetRegistry extends BudgetRegistry {
  private readonly outage: StoreOutage;
  /** This replica's name when its budgets report their answers: one per registry, i.e. per process. */
  private readonly replicaId = randomUUID();

  constructor(
    private readonly store: RateStore,
    private readonly options: SharedBudgetRegistryOptions = {},
  ) {
    super(options.clock ?? realClock);
    this.outage = new StoreOutage(options.logger);
  }

  protected override create(key: string, rate: BudgetRate): ScopeEditBudget {
    return new SharedScopeBudget(key, rate, this.store, {
      clock: this.clock,
      outage: this.outage,
      replicaId: this.replicaId,
      ...(this.options.storeTimeoutMs !== undefined ? { storeTimeoutMs: this.options.storeTimeoutMs } : {}),
      ...(this.options.localForMs !== undefined ? { localForMs: this.options.localForMs } : {}),
      ...(this.options.answerCountTtlMs !== undefined ? { answerCountTtlMs: this.options.answerCountTtlMs } : {}),
    });
  }
}

/**
 * The budgets for a process using `store`. A store other processes share (Redis; a SQLite file, which several
 * processes on one host may open) gets shared budgets: the platform's limit binds them together, and one store
 * call per edit is cheap next to the edit itself. The in-process memory store (tests, development) gets local
 * budgets: nobody else could see its window, and the local budget runs on a virtual clock in tests.
 */
export function budgetRegistryFor(store: StateStore, logger?: Logger): BudgetRegistry {
  if (store.sharedBetweenProcesses) return new SharedBudgetRegistry(store, { ...(logger ? { logger } : {}) });
  return new BudgetRegistry();
}
