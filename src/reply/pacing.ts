/**
 * How long a reply waits before its next streaming call. The placeholder and the first words go out as soon as
 * the budget grants a call; after that a reply edits no more often than its fair share of the scope's budget (the
 * budget's interval times the replies streaming in that scope, at 80 % so there is always room left for
 * someone's final edit). The final edit skips the pacing and waits only for the budget.
 */
import type { EditBudget } from "./target.js";

/** The share of a scope's budget streaming edits may use; the rest keeps final edits from waiting long. */
const UTILIZATION = 0.8;
/** Pace assumed for a budget that does not tell its rate. */
const DEFAULT_CALL_INTERVAL_MS = 1000;
/** The most often a reply looks at (renders) its text when the last look found nothing new to show. */
export const LOOK_INTERVAL_MS = 50;

export interface PaceState {
  now: number;
  /** When this reply last made a call, and last looked at its text. */
  lastCallAt: number;
  lastLookAt: number;
  /** Whether the reply has shown words yet (before that it goes at once). */
  wordsVisible: boolean;
  budget: EditBudget;
  /** A floor for the gap between two streaming edits, on top of the fair share. */
  minEditIntervalMs?: number;
}

export function paceWait(state: PaceState): number {
  if (!state.wordsVisible) {
    // The placeholder and the first words: at once, but without re-rendering on every single delta.
    return state.lastLookAt + LOOK_INTERVAL_MS - state.now;
  }
  const { budget } = state;
  const perCall = budget.calls && budget.perMs && budget.calls > 0 ? budget.perMs / budget.calls : DEFAULT_CALL_INTERVAL_MS;
  const share = (perCall * Math.max(1, budget.active ?? 1)) / UTILIZATION;
  const interval = Math.max(share, state.minEditIntervalMs ?? 0);
  return Math.max(state.lastCallAt + interval, state.lastLookAt + LOOK_INTERVAL_MS) - state.now;
}
