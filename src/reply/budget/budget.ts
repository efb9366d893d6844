import type { CallDone, EditBudget } from "../target.js";
import { realClock, type Clock } from "../clock.js";
import { ActiveReplies, WaiterQueue } from "./waiter-queue.js";
import { choose, limitFor, owingScope, type CallClaim, type ClaimKind, type ScopeState } from "./scheduler.js";

export interface BudgetRate {
  /** At most this many calls... */
  calls: number;
  /** ...in any window of this many milliseconds. */
  perMs: number;
}

/** What the registry hands out: an EditBudget that tells its rate, counts its replies and knows when it is idle. */
export interface ScopeEditBudget extends EditBudget {
  readonly calls: number;
  readonly perMs: number;
  readonly active: number;
  join(): () => void;
  room(kind: ClaimKind): number;
  /** Whether nothing is waiting, running or remembered here: such a budget can be forgotten. */
  readonly idle: boolean;
}

/**
 * A grant in the window. It counts from when its call finished (`done`), not from when it was granted: the
 * platform counts a call when it arrives, which under load can be well after the grant, so a window counted from
 * grants could let a call in a little early and draw a 429. A call still running counts as in the window.
 */
interface Grant {
  at: number;
  done: boolean;
}

/**
 * A call not reported finished within this long is taken to have finished then, so a caller that never says
 * cannot hold a slot forever. Generous on purpose: on a CPU-starved machine a platform call can take tens of
 * seconds to be answered, and counting it as finished too early could let the next call in early.
 */
const LONGEST_CALL_MS = 300_000;

/**
 * One platform scope's call budget: a sliding window (never more than `calls` calls in any `perMs` window, the
 * same rule the platforms state) whose free slots go to the waiting calls as scheduler.ts decides: finals and
 * first words first, then streaming calls by how much new text they show, spaced over the answers' life, with a
 * reserve kept for finals and newcomers. `pause` holds every grant until a 429's retry-after has passed.
 */
export class ScopeBudget implements ScopeEditBudget {
  readonly calls: number;
  readonly perMs: number;
  private grants: Grant[] = [];
  private readonly waiters = new WaiterQueue<CallDone>(() => this.pump());
  private readonly replies: ActiveReplies;
  private pausedUntil = -Infinity;
  private timerAt: number | undefined;
  private lastStreamAt = -Infinity;

  constructor(rate: BudgetRate, private readonly clock: Clock = realClock) {
    if (!Number.isInteger(rate.calls) || rate.calls < 1) {
      throw new RangeError(`A budget needs a whole number of calls of at least 1 (got ${rate.calls}).`);
    }
    if (!(rate.perMs > 0) || !Number.isFinite(rate.perMs)) {
      throw new RangeError(`A budget needs a positive, finite window in milliseconds (got ${rate.perMs}).`);
    }
    this.calls = rate.calls;
    this.perMs = rate.perMs;
    this.replies = new ActiveReplies(() => this.clock.now(), () => this.pump());
  }

  get active(): number {
    return this.replies.active;
  }

  /** Whether nothing is waiting, running or remembered: such a budget can be forgotten. */
  get idle(): boolean {
    this.forgetOldGrants();
    return this.replies.active === 0 && this.waiters.length === 0 && this.grants.length === 0 && !this.isPaused();
  }

  join(): () => void {
    return this.replies.join();
  }

  take(signal?: AbortSignal, claim?: CallClaim): Promise<CallDone> {
    return this.waiters.wait(signal, claim);
  }

  /** Calls of `kind` the window would still grant now, after the ones already waiting. */
  room(kind: ClaimKind): number {
    this.forgetOldGrants();
    return limitFor(kind, owingScope(this.scope(), this.waiters.claims())) - this.grants.length - this.waiters.length;
  }

  private scope(): ScopeState {
    return this.replies.scope(this, (ms) => {
      const by = this.clock.now() + ms;
      return this.grants.filter((g) => this.finishedAt(g) + this.perMs <= by).length;
    });
  }

  pause(retryAfterMs: number): void {
    const ms = Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : 1000;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  private isPaused(): boolean {
    return this.clock.now() < this.pausedUntil;
  }

  /** When the grant's call finished, as far as the window is concerned (a running call: not yet). */
  private finishedAt(grant: Grant): number {
    if (grant.done) return grant.at;
    return this.clock.now() - grant.at >= LONGEST_CALL_MS ? grant.at + LONGEST_CALL_MS : Infinity;
  }

  private forgetOldGrants(): void {
    // `finished + perMs <= now`, the very sum the pump sleeps until: with fractional times, `finished <= now -
    // perMs` can round the other way and wake the pump for a grant it then does not forget.
    const now = this.clock.now();
    const old = (g: Grant) => this.finishedAt(g) + this.perMs <= now;
    if (this.grants.some(old)) this.grants = this.grants.filter((g) => !old(g));
  }

  /** Grants what the window and the scheduler allow now, then sleeps until the next grant could be possible. */
  private pump(): void {
    this.forgetOldGrants();
    let retryAt = Infinity;
    while (this.waiters.length > 0 && !this.isPaused() && this.grants.length < this.calls) {
      const now = this.clock.now();
      const claims = this.waiters.claims();
      const choice = choose(claims, this.grants.length, this.scope(), now, this.lastStreamAt);
      if (choice.grant === undefined) {
        retryAt = choice.retryAt ?? Infinity;
        break;
      }
      if (claims[choice.grant]?.kind === "stream") this.lastStreamAt = now;
      const grant: Grant = { at: now, done: false };
      this.grants.push(grant);
      this.waiters.grantAt(choice.grant, () => {
        if (grant.done) return;
        grant.done = true;
        grant.at = Math.max(grant.at, this.clock.now());
        this.pump();
      });
    }
    if (this.waiters.length === 0) return;
    // A slot frees when its earliest call is a window old; a running call frees nothing until it is done (its
    // `done` pumps again), or until it counts as finished after LONGEST_CALL_MS. A reply leaving pumps too.
    const earliest = Math.min(...this.grants.map((g) => (g.done ? g.at : g.at + LONGEST_CALL_MS)));
    const windowFreesAt = this.grants.length > 0 ? earliest + this.perMs : Infinity;
    const at = this.isPaused() ? this.pausedUntil : Math.min(windowFreesAt, retryAt);
    if (!Number.isFinite(at)) return;
    // One timer at a time; a later pause simply makes the woken pump sleep again.
    if (this.timerAt !== undefined && this.timerAt <= at) return;
    this.timerAt = at;
    void this.clock.sleep(at - this.clock.now()).then(() => {
      if (this.timerAt === at) this.timerAt = undefined;
      this.pump();
    });
  }
}

/**
 * The budgets of all platform scopes, one per key: every reply streaming in a scope must draw from the same one.
 * Adapters call `forScope` for each reply (do not cache the result for long: idle budgets are forgotten).
 */
export class BudgetRegistry {
  private readonly scopes = new Map<string, ScopeEditBudget>();
  /**
   * Forgotten budgets that something may still hold: a reply target gets its budget before its reply joins it
   * (the thread is read in between), so an idle budget can be in use. Handed out again while alive, a scope never
   * has two windows (two windows would let twice its calls through); once nothing holds one, it is collected.
   */
  private readonly forgotten = new Map<string, WeakRef<ScopeEditBudget>>();
  private lookups = 0;

  constructor(protected readonly clock: Clock = realClock) {}

  /** The budget of `key` (e.g. `slack:T123:chat.update`, `discord:channel:456`); created on first use. */
  forScope(key: string, rate: BudgetRate): ScopeEditBudget {
    if (++this.lookups % 256 === 0) this.forgetIdle();
    let budget = this.scopes.get(key);
    if (!budget) {
      budget = this.forgotten.get(key)?.deref() ?? this.create(key, rate);
      this.forgotten.delete(key);
      this.scopes.set(key, budget);
    }
    return budget;
  }

  /** This process's own window; a registry over a shared store makes shared ones (src/reply/budget/shared-budget.ts). */
  protected create(_key: string, rate: BudgetRate): ScopeEditBudget {
    return new ScopeBudget(rate, this.clock);
  }

  get size(): number {
    return this.scopes.size;
  }

  private forgetIdle(): void {
    for (const [key, ref] of this.forgotten) if (!ref.deref()) this.forgotten.delete(key);
    for (const [key, budget] of this.scopes) {
      if (!budget.idle) continue;
      this.scopes.delete(key);
      this.forgotten.set(key, new WeakRef(budget));
    }
  }
}

/** The process-wide registry the adapters use. */
export const budgets = new BudgetRegistry();
