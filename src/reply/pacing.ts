/**
 * How long a reply waits before it asks the budget for its next streaming call. It no longer paces itself to a
 * fair share of the scope: the budget's scheduler (budget/scheduler.ts) decides which reply's call goes when, by
 * how much new text each would show. A reply only avoids re-rendering on every single delta (LOOK_INTERVAL_MS)
 * and keeps the floor an adapter may set between two of its edits. The final call skips even that.
 */

/** The most often a reply looks at (renders) its text; rendering is the expensive part. */
export const LOOK_INTERVAL_MS = 50;

export interface PaceState {
  now: number;
  /** When this reply last made a call, and last looked at its text. */
  lastCallAt: number;
  lastLookAt: number;
  /** Whether the reply has shown words yet (before that the floor does not apply). */
  wordsVisible: boolean;
  /** A floor for the gap between two streaming calls of this reply. */
  minEditIntervalMs?: number;
}

export function paceWait(state: PaceState): number {
  const floor = state.wordsVisible ? state.lastCallAt + (state.minEditIntervalMs ?? 0) : -Infinity;
  return Math.max(floor, state.lastLookAt + LOOK_INTERVAL_MS) - state.now;
}
