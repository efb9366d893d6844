/**
 * The rule by which a scope's budget spends its window (issue 18): which waiting call goes next, and when.
 *
 * The numbers it rests on: Slack allows 50 chat.update a minute per workspace (100 chat.appendStream, 20
 * chat.startStream / stopStream); an answer streams for about 10 s, a sixth of that window. Pacing every reply as
 * if every minute were full (one edit per reply per `active × 1.2 s`) left most of the window unused: 10 answers
 * drew 20 of 50 calls. Instead the budget spends the HEADROOM the sliding window still has, spread over the
 * answers' expected life, and keeps back only what must never wait for the next window:
 *
 * - a FINAL call (an answer's last edit, a stream's stop) may take any slot: limit `calls`; so may a reply's
 *   first message where posting draws from the budget (Discord): one call per reply, the one that tells the
 *   asker the bot is on it (reply-sender.ts; 200 Discord placeholders took 10 s on the first-words limit);
 * - FIRST words may take a slot as long as one stays free for the final of every running answer (this one's
 *   included): limit `calls − active` (50 − 10 = 40 with ten answers); in a window shorter than the answers'
 *   life, only the share of them that ends within it: `active × window / life`, rounded up;
 * - a STREAMING call also leaves the first words and finals of answers that may arrive meanwhile — a twentieth
 *   of the window, ARRIVALS_SHARE (2 of 50 edits: one newcomer's first words and final, its later finals being
 *   reserved as soon as it runs; 5 of 100 appends; none of Discord's 5 per channel): limit
 *   `calls − active − ⌊calls/20⌋` (50 − 10 − 2 = 38). A tenth (5 of 50) kept three calls idle in every
 *   measured minute (ten answers used 42 of 50, lag p50 1.4 s; 45 and 1.3 s with a twentieth). Streaming grants
 *   are spaced so what is left of that (plus what leaves the window meanwhile) lasts the answers' remaining
 *   time: `remaining / left`, never closer than `min(life, window) / limit` (10 s / 38 ≈ 0.27 s). The remaining
 *   time is the expected life (learned per scope, 10 s until answers have ended there) less their mean age, or
 *   their age once they outlived half of it: a long answer slows the spending down instead of finding the
 *   window spent until it renews. Ten 10-second answers may use 48 of the minute's 50 edits (firsts and streams
 *   up to 38, plus 10 finals), 45 in practice, where a fair share paced for a full minute drew 20.
 * - Which streaming call goes next: the one whose new version shows the most unseen text for the longest, the
 *   score `unshown characters × (time since that reply last showed something)²`. Both grow while a reply waits
 *   and drop to ~0 once served, so the waiting reply's score overtakes any served one: no reply starves (aging).
 *   Finals and first words go before streaming calls, oldest first.
 * - A reply's last call that shows no new text, only other buttons (Stop swapped for feedback once the final
 *   text is already shown: `settlingClaim`), is a streaming call that shows nothing: it keeps no slot from a
 *   final or first words and ranks below calls that show words, aging from when it began to wait. Its reply owes
 *   no final any more, so none is kept for it: 30 short answers need 30 text edits from the window, not 60
 *   finals (each swap claimed as a final could take a slot another answer's final text needed, which then waited
 *   for the window to renew), and answers waiting only for their swaps can never hold each other's back. With no
 *   answer streaming it is not spaced either: there is no streaming share left to spread.
 *
 * The window itself (counting a call from when it finished, pauses after a 429) stays the budget's business
 * (budget.ts, shared-budget.ts); this module only decides, on a clock it is handed.
 */

/** Why a call is made, which decides how much of the window it may use. */
export type ClaimKind = "final" | "first" | "stream";

/** What a waiting call tells the budget about itself; a take without one is treated as a final (a one-off call). */
export interface CallClaim {
  kind: ClaimKind;
  /** Characters the call would newly show; read when the budget chooses (the text grows while it waits). */
  unshown?: () => number;
  /** Clock time the reply last showed new text (or started); the score's age counts from it. */
  shownAt?: number;
  /** Only button changes are left of its reply (the final text is shown): the reply owes no final any more. */
  settles?: boolean;
}

/**
 * The claim of a reply's last call when it changes only the buttons (the final text is already shown): a
 * streaming call showing nothing new, so it ranks below every call that shows words, and ages from `waitingSince`
 * (when it began to wait) so that it still goes.
 */
export function settlingClaim(waitingSince: number): CallClaim {
  return { kind: "stream", unshown: () => 0, shownAt: waitingSince, settles: true };
}

/** The scope as seen by `claims`: a reply whose settling call waits among them owes no final. */
export function owingScope(scope: ScopeState, claims: ReadonlyArray<CallClaim | undefined>): ScopeState {
  const settling = claims.filter((c) => c?.settles).length;
  return settling === 0 ? scope : { ...scope, active: Math.max(0, scope.active - settling) };
}

/** An answer's expected life until the budget has seen some end (the benchmark's answers stream ~10 s). */
export const DEFAULT_ANSWER_LIFE_MS = 10_000;
/** The share of a window kept for the first words and finals of answers that arrive while others stream. */
export const ARRIVALS_SHARE = 0.05;

export interface ScopeState {
  calls: number;
  perMs: number;
  /** Replies streaming in the scope (each owes a final). */
  active: number;
  /** The answers' expected life (ms). */
  lifeMs: number;
  /** How long the replies streaming now have been at it, on average (ms). */
  meanAgeMs?: number;
  /** How many of the window's calls will have left it within `ms` from now (unknown: none). */
  freesWithin?: (ms: number) => number;
}

/** The most calls the window may already hold for a call of `kind` to be granted now. */
export function limitFor(kind: ClaimKind, scope: ScopeState): number {
  // The finals that fall in one window: every running answer's when the window outlasts the answers (Slack's
  // minute, 10 s answers); in a shorter window (Discord's 5 s) only the share of them that ends within it, the
  // rest finding the window renewed by then.
  const share = Math.min(1, scope.perMs / Math.max(1, scope.lifeMs));
  const finals = Math.ceil(Math.max(0, scope.active) * share);
  switch (kind) {
    case "final":
      return scope.calls;
    case "first":
      // With more answers running than the window has calls, none: their finals (which carry everything) come
      // first, and a waiting first call gives way to its final when the answer ends (the streamer does that).
      return scope.calls - finals;
    case "stream":
      return scope.calls - finals - Math.floor(scope.calls * ARRIVALS_SHARE);
  }
}

/**
 * How long the replies streaming now will still want calls: what their expected life leaves, or, once they have
 * outlived it half, as long again as their age (an answer that ran long is likely a long one: spending slows down
 * instead of leaving it without calls until the window renews); never more than a window, over which the window
 * renews itself entirely.
 */
export function remainingMs(scope: ScopeState): number {
  const age = Math.max(0, scope.meanAgeMs ?? 0);
  return Math.min(scope.perMs, Math.max(scope.lifeMs - age, age, 1));
}

/**
 * The least time between two streaming grants of the scope, with `used` calls in the window: the streaming calls
 * left (plus those that leave the window meanwhile) spread over the replies' remaining time, and never faster
 * than the whole streaming share spread over one expected life.
 */
export function streamSpacingMs(scope: ScopeState, used: number): number {
  const limit = limitFor("stream", scope);
  const floor = Math.min(Math.max(scope.lifeMs, 0), scope.perMs) / Math.max(1, limit);
  const remaining = remainingMs(scope);
  const left = limit - used + (scope.freesWithin?.(remaining) ?? 0);
  // Whole milliseconds: a grant a fraction early by float rounding would be one too many for the platform.
  return Math.ceil(Math.max(floor, remaining / Math.max(1, left)));
}

/** How much a streaming call is worth now (see the module comment). */
export function streamScore(claim: CallClaim, now: number): number {
  const unshown = Math.max(0, claim.unshown?.() ?? 0);
  const age = Math.max(0, now - (claim.shownAt ?? now)) / 1000;
  // Unshown characters times the time they waited is the lag a new version clears. The age counts twice, so a
  // reply with a tenth of another's new text still gets its turn once it waited about three times as long.
  // +1 in each factor: a reply with little new text or just served still ranks by the other factor.
  return (unshown + 1) * (age + 0.001) ** 2;
}

export interface Choice {
  /** The waiter to grant now. */
  grant?: number;
  /** Otherwise, when a streaming waiter may next be granted (Infinity: only when the window frees). */
  retryAt?: number;
}

/**
 * The waiter (index into `claims`, oldest first) to grant now given `used` calls in the window, or when to look
 * again. Finals and first words first, oldest first; then the best-scoring streaming call, once the spacing since
 * `lastStreamAt` has passed. No final is kept for a reply whose settling call waits here (`owingScope`).
 */
export function choose(
  claims: ReadonlyArray<CallClaim | undefined>,
  used: number,
  scopeState: ScopeState,
  now: number,
  lastStreamAt: number,
): Choice {
  const scope = owingScope(scopeState, claims);
  let best: number | undefined;
  let bestScore = -Infinity;
  for (let i = 0; i < claims.length; i++) {
    const kind = claims[i]?.kind ?? "final";
    if (kind !== "stream") {
      if (used < limitFor(kind, scope)) return { grant: i };
      continue;
    }
    const score = streamScore(claims[i]!, now);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  if (best === undefined || used >= limitFor("stream", scope)) return { retryAt: Infinity };
  // The spacing spreads the streaming share over the life of the answers that stream: with none streaming, a
  // settling call has nobody's share to wait for (and its reply, done but for its buttons, should end).
  if (scope.active === 0 && claims[best]!.settles) return { grant: best };
  const at = lastStreamAt + streamSpacingMs(scope, used);
  return at <= now ? { grant: best } : { retryAt: at };
}

/** Keeps an exponentially weighted mean of answer lives in a scope, so the spacing follows the answers seen. */
export class LifeEstimate {
  private mean = DEFAULT_ANSWER_LIFE_MS;

  get ms(): number {
    return this.mean;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    // A quarter weight: a few answers move it, one odd answer does not.
    this.mean += (ms - this.mean) / 4;
  }
}
