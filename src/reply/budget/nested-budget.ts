/**
 * A scope's budget inside a wider one: every call needs a grant from both (a Discord channel's 5 per 5 s and the
 * bot's 50 per second across all channels). The narrow grant is taken first, so a reply waiting on its own
 * channel never holds a slot of the wide budget that other channels could use. Both schedule the call by the
 * same claim (scheduler.ts), so the channel's reserve and the bot's are each kept.
 */
import type { CallClaim, CallDone, ClaimKind, EditBudget } from "../target.js";
import type { ScopeEditBudget } from "./budget.js";

export class NestedBudget implements EditBudget {
  constructor(
    /** The scope's own budget (a channel). */
    readonly inner: ScopeEditBudget,
    /** The budget every scope shares (the bot). */
    readonly outer: ScopeEditBudget,
  ) {}

  async take(signal?: AbortSignal, claim?: CallClaim): Promise<CallDone> {
    const innerDone = await this.inner.take(signal, claim);
    let outerDone: CallDone | void;
    try {
      outerDone = await this.outer.take(signal, claim);
    } catch (error) {
      innerDone?.();
      throw error;
    }
    return () => {
      innerDone?.();
      outerDone?.();
    };
  }

  /** A 429 on the scope pauses the scope; the adapter pauses `outer` itself when the platform says it was global. */
  pause(retryAfterMs: number): void {
    this.inner.pause(retryAfterMs);
  }

  join(): () => void {
    const leaveInner = this.inner.join();
    const leaveOuter = this.outer.join();
    return () => {
      leaveInner();
      leaveOuter();
    };
  }

  room(kind: ClaimKind): number {
    return Math.min(this.inner.room(kind), this.outer.room(kind));
  }

  /** The budget that gives each of its replies the longer interval between calls: the one that binds. */
  private get binding(): ScopeEditBudget {
    const interval = (b: ScopeEditBudget) => (b.perMs / b.calls) * Math.max(1, b.active);
    return interval(this.outer) > interval(this.inner) ? this.outer : this.inner;
  }

  get calls(): number {
    return this.binding.calls;
  }

  get perMs(): number {
    return this.binding.perMs;
  }

  get active(): number {
    return this.binding.active;
  }
}
