/**
 * The single sender of one reply: one call in flight at a time, each carrying the newest text when it is made.
 * It paces streaming calls (pacing.ts), takes each call from the scope's budget, pauses the budget on a 429 and
 * sends the newest text after it (nothing is dropped), and tries other failures again as delivery-retry.ts says:
 * passing ones for about two minutes, refusals a few times. When it gives up, its last tries replace the reply's
 * end with one sentence saying the answer could not be delivered, so no reply is left on its placeholder.
 */
import type { Clock } from "./clock.js";
import { DEFAULT_REFUSED_ATTEMPTS, DELIVERY_RETRY_MS, DeliveryRetry, NOTICE_ATTEMPTS } from "./delivery-retry.js";
import { undeliveredEnding } from "./final-text.js";
import { paceWait } from "./pacing.js";
import type { Action, Plan, ReplyView, ViewSource } from "./reply-view.js";
import { controlsFor } from "./message-controls.js";
import { settlingClaim } from "./budget/scheduler.js";
import { RateLimitedError, type CallClaim, type CallDone, type MessageControls, type MessageRef, type ReplyTarget } from "./target.js";

export interface ReplyCall {
  kind: "post" | "edit" | "delete";
  /** Clock time the call was made. */
  at: number;
  ok: boolean;
  rateLimited: boolean;
  /** Part of the final reconciliation (not paced). */
  final: boolean;
  /** How many characters of the answer's Markdown the reply shows once this call succeeds. */
  visibleChars: number;
}

/** Hooks for metrics; called synchronously, must not throw. */
export interface ReplyObserver {
  onCall?(call: ReplyCall): void;
  onRateLimited?(retryAfterMs: number): void;
  /** Milliseconds from the first delta to the first words the user can see. */
  onFirstVisible?(ms: number): void;
  /** Once, when the reply shows its final text; its buttons may still change after (a settling call, scheduler.ts). */
  onFinalText?(): void;
}

/** What the sender follows: the view's source as it changes, and when the answer is over. */
export interface SenderSource {
  current(): ViewSource;
  /** Resolves at the next change. */
  changed(): Promise<void>;
  /** Aborts once the final text is known. */
  readonly finished: AbortSignal;
  /** When the first delta came (the start, when none did), for the first-visible measure. */
  firstDeltaAt(): number;
}

export interface SenderOptions {
  clock: Clock;
  observer?: ReplyObserver;
  minEditIntervalMs?: number;
  /** Tries of a call the platform refuses for good (not a 429, not a passing failure) before giving up (default 3). */
  maxSendAttempts?: number;
  /** How long passing platform failures are tried again before the reply gives up (default DELIVERY_RETRY_MS). */
  deliveryRetryMs?: number;
}

interface Shown {
  ref: MessageRef;
  text: string;
  /** The buttons it shows (targets that draw controls only). */
  controls: MessageControls;
}

export class ReplySender {
  readonly counts = { posts: 0, edits: 0, deletes: 0, rateLimited: 0 };
  /** Set when the platform kept refusing the reply's calls. */
  fatal: Error | undefined;
  firstVisibleAt: number | undefined;
  private readonly messages: Shown[] = [];
  private lastCallAt = -Infinity;
  private lastLookAt = -Infinity;
  private syncedVersion = -1;
  private visibleChars = 0;
  /** When the reply last showed more of the answer (the scheduler ages a waiting reply from then). */
  private shownAt: number | undefined;
  /** When the reply's final text was out and only its buttons were left to change (its settling call's age). */
  private settlingSince: number | undefined;
  private finalTextReported = false;
  /** The answer's Markdown the reply shows in full (what stays if the rest cannot be delivered). */
  private shownAnswer = "";
  /** The reply's last Markdown once it gave up on the answer (`fatal`). */
  undeliveredMarkdown: string | undefined;

  constructor(
    private readonly target: ReplyTarget,
    private readonly view: ReplyView,
    private readonly source: SenderSource,
    private readonly options: SenderOptions,
  ) {}

  /** Takes a message that already shows part of this answer as the reply's next message (it is edited, not posted). */
  adopt(ref: MessageRef, text: string): void {
    this.messages.push({ ref, text, controls: "none" });
    if (text.trim() !== "") this.firstVisibleAt ??= this.options.clock.now();
  }

  /** The reply's messages in order, and the ones past `count` (leftovers of a retried answer). */
  refs(count = this.messages.length): { messages: MessageRef[]; leftovers: MessageRef[] } {
    return {
      messages: this.messages.slice(0, count).map((m) => m.ref),
      leftovers: this.messages.slice(count).map((m) => m.ref),
    };
  }

  /**
   * Brings the reply to the answer's text as it grows, and to its final text. If the platform keeps failing
   * (delivery-retry.ts), gives up on the answer (`fatal`) and makes its last tries say it could not be delivered.
   */
  async send(): Promise<void> {
    const { clock } = this.options;
    const retry = new DeliveryRetry(clock, {
      retryForMs: this.options.deliveryRetryMs ?? DELIVERY_RETRY_MS,
      refusedAttempts: this.options.maxSendAttempts ?? DEFAULT_REFUSED_ATTEMPTS,
    });
    const gaveUpOn = await this.sync(() => this.source.current(), retry);
    if (!gaveUpOn) return;
    this.fatal = gaveUpOn;
    this.undeliveredMarkdown = undeliveredEnding(this.shownAnswer);
    // A version no streaming source has: the view plans it once.
    const notice: ViewSource = { version: -1, answer: this.shownAnswer, status: undefined, finalMarkdown: this.undeliveredMarkdown };
    // The platform has been failing for a while: the notice's tries keep the long waits, not start over at 0.5 s.
    const noticeRetry = new DeliveryRetry(clock, {
      retryForMs: Infinity,
      refusedAttempts: NOTICE_ATTEMPTS,
      maxAttempts: NOTICE_ATTEMPTS,
      priorFailures: retry.failuresInARow,
    });
    await this.sync(() => notice, noticeRetry);
  }

  /**
   * Calls the platform until the reply shows `current()`'s final plan; undefined then, or the error it gave up on.
   * Streaming plans are paced; every call takes a grant from the budget and carries the newest text.
   */
  private async sync(current: () => ViewSource, retry: DeliveryRetry): Promise<Error | undefined> {
    const { clock } = this.options;
    for (;;) {
      const changed = this.source.changed();
      const source = current();
      const streaming = source.finalMarkdown === undefined;
      if (streaming && source.version === this.syncedVersion) {
        await changed;
        continue;
      }
      // Pace before looking: rendering the text is the expensive part, so it is done once per call, not per delta.
      const wait = streaming ? this.paceWait() : 0;
      if (wait > 0) {
        // Sleep out the pace, but wake at once for the final text.
        await clock.sleep(wait, this.source.finished);
        continue;
      }
      this.lastLookAt = clock.now();
      const plan = this.view.plan(source);
      this.reportFinalText(plan);
      const action = this.nextAction(plan);
      if (!action) {
        if (plan.final) return undefined;
        this.syncedVersion = source.version;
        continue;
      }
      let callDone: CallDone | void = undefined;
      if (this.usesBudget(action)) {
        // A streaming call waits only until the final text is known; the final then asks again, as a final.
        const signal = plan.final ? undefined : this.source.finished;
        try {
          callDone = await this.target.budget.take(signal, this.claim(plan.final, action, current));
        } catch (error) {
          if (signal?.aborted) continue;
          throw error;
        }
      }
      // The text may have moved on while we waited for the budget: the newest text wins.
      const freshSource = current();
      const fresh = this.view.plan(freshSource);
      const now = this.nextAction(fresh);
      if (!now) {
        callDone?.();
        continue;
      }
      try {
        await this.call(now, fresh, freshSource);
        callDone?.();
        retry.succeeded();
      } catch (error) {
        callDone?.();
        if (error instanceof RateLimitedError) {
          this.counts.rateLimited++;
          this.options.observer?.onRateLimited?.(error.retryAfterMs);
          // Nothing is dropped: the same message stays out of date and is sent, newest text, after the pause.
          if (this.usesBudget(now)) this.target.budget.pause(error.retryAfterMs);
          else await clock.sleep(Math.max(1, error.retryAfterMs));
          continue;
        }
        const decision = retry.failed(error);
        if ("giveUp" in decision) return error instanceof Error ? error : new Error(String(error));
        // The try after the wait re-plans: it carries whatever the text is by then.
        await clock.sleep(decision.retryInMs);
      }
    }
  }

  /**
   * What the call is for, for the budget's scheduler: the final, the first words, or a streaming update. A final
   * call that only swaps buttons (the final text is shown already) settles the reply: it goes after every call that
   * shows words and takes no slot kept for finals, aging from when it began to wait (scheduler.ts).
   */
  private claim(final: boolean, action: Action, current: () => ViewSource): CallClaim {
    if (final && this.changesOnlyControls(action)) {
      this.settlingSince ??= this.options.clock.now();
      return settlingClaim(this.settlingSince);
    }
    if (final) return { kind: "final" };
    // The reply's first message (its placeholder, or the first words if they came first) is the one call that
    // tells the asker the bot is on it, and a reply makes it once: it takes a free slot as a final does, not
    // only what the finals' reserve leaves. At 200 answers that reserve held Discord's bot-wide budget to 20 of
    // its 40 calls a second for first calls, and 200 placeholders took 10 s to go out.
    if (this.messages.length === 0) return { kind: "final" };
    if (this.firstVisibleAt === undefined) return { kind: "first" };
    return {
      kind: "stream",
      unshown: () => current().answer.length - this.visibleChars,
      shownAt: this.shownAt,
    };
  }

  private nextAction(plan: Plan): Action | undefined {
    const action = this.view.nextAction(plan, this.messages.map((m) => m.text));
    if (action || !this.target.controls) return action;
    // The texts match; a message whose buttons must change (Stop gone, feedback added) is edited all the same.
    const stale = plan.texts.findIndex((_, i) => this.messages[i]!.controls !== controlsFor(plan, i));
    return stale < 0 ? undefined : { kind: "edit", index: stale, text: plan.texts[stale]! };
  }

  /** Whether `action` edits a message to the text it shows already (its buttons are what changes). */
  private changesOnlyControls(action: Action): boolean {
    return action.kind === "edit" && this.messages[action.index]?.text === action.text;
  }

  /** The buttons the message at `index` gets with this call; none where the target draws no controls. */
  private controlsAt(plan: Plan, index: number): MessageControls {
    return this.target.controls ? controlsFor(plan, index) : "none";
  }

  private usesBudget(action: Action): boolean {
    return action.kind !== "post" || this.target.postUsesBudget !== false;
  }

  private paceWait(): number {
    return paceWait({
      now: this.options.clock.now(),
      lastCallAt: this.lastCallAt,
      lastLookAt: this.lastLookAt,
      wordsVisible: this.messages.length > 0 && this.firstVisibleAt !== undefined,
      ...(this.options.minEditIntervalMs !== undefined ? { minEditIntervalMs: this.options.minEditIntervalMs } : {}),
    });
  }

  private async call(action: Action, plan: Plan, source: ViewSource): Promise<void> {
    const { clock, observer } = this.options;
    const at = clock.now();
    this.lastCallAt = at;
    const report = (ok: boolean, rateLimited: boolean) =>
      observer?.onCall?.({ kind: action.kind, at, ok, rateLimited, final: plan.final, visibleChars: this.visibleChars });
    try {
      if (action.kind === "post") {
        const controls = this.controlsAt(plan, this.messages.length);
        const ref = this.target.controls ? await this.target.post(action.text, controls) : await this.target.post(action.text);
        this.messages.push({ ref, text: action.text, controls });
        this.counts.posts++;
      } else if (action.kind === "edit") {
        const shown = this.messages[action.index]!;
        const controls = this.controlsAt(plan, action.index);
        if (this.target.controls) await this.target.edit(shown.ref, action.text, controls);
        else await this.target.edit(shown.ref, action.text);
        shown.text = action.text;
        shown.controls = controls;
        this.counts.edits++;
      } else {
        const [gone] = this.messages.splice(action.index, 1);
        try {
          await this.target.delete!(gone!.ref);
        } catch (error) {
          this.messages.splice(action.index, 0, gone!);
          throw error;
        }
        this.counts.deletes++;
      }
    } catch (error) {
      report(false, error instanceof RateLimitedError);
      throw error;
    }
    // The answer is visible up to `plan.visibleChars` once every message of the plan shows its text.
    const allShown = plan.texts.every((text, i) => this.messages[i]?.text === text);
    if (allShown) {
      if (plan.visibleChars > this.visibleChars || this.shownAt === undefined) this.shownAt = clock.now();
      this.visibleChars = plan.visibleChars;
      this.shownAnswer = source.answer.slice(0, plan.visibleChars);
    }
    report(true, false);
    if (this.firstVisibleAt === undefined && plan.visibleChars > 0 && allShown) {
      this.firstVisibleAt = clock.now();
      observer?.onFirstVisible?.(this.firstVisibleAt - this.source.firstDeltaAt());
    }
    this.reportFinalText(plan);
  }

  /** Tells the observer, once, that every message shows the final plan's text (what is left changes only buttons). */
  private reportFinalText(plan: Plan): void {
    if (this.finalTextReported || !plan.final) return;
    if (plan.texts.length !== this.messages.length || !plan.texts.every((text, i) => this.messages[i]!.text === text)) return;
    this.finalTextReported = true;
    this.options.observer?.onFinalText?.();
  }
}
