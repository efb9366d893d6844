/**
 * Streams one answer into a reply: consumes the runtime's events and keeps the reply's messages showing the
 * newest text the edit budget allows, ending with the answer's authoritative text.
 *
 * Pacing policy: the placeholder and the first words go out as soon as the budget grants a call; after that a
 * reply edits no more often than its fair share of the scope's budget (the budget's interval times the replies
 * streaming in that scope, at 80 % so there is always room left for someone's final edit), and only when the
 * visible text changed by at least a whole word. The final edit skips the pacing and waits only for the budget.
 */
import { replyEnding, terminalOf, type Terminal } from "./final-text.js";
import type { FailureKind, RuntimeEvent, RuntimeFailure } from "../runtime/events.js";
import { RateLimitedError, type MessageRef, type ReplyTarget } from "./target.js";
import { realClock, type Clock } from "./clock.js";
import { AnswerText } from "./answer-text.js";
import { displayablePrefix, healPartial } from "./markdown/partial-markdown.js";
import { layout, messageText } from "./markdown/split.js";
import {
  DEFAULT_PLACEHOLDER,
  LEFTOVER_FILLER,
  RETRY_STATUS,
  toolStatusLine,
} from "./notices.js";

export type ReplyStatus = "complete" | "failed" | "empty" | "aborted";

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

/** Hooks for metrics (a later issue adds Prometheus); called synchronously, must not throw. */
export interface ReplyObserver {
  onCall?(call: ReplyCall): void;
  onRateLimited?(retryAfterMs: number): void;
  /** Milliseconds from the first delta to the first words the user can see. */
  onFirstVisible?(ms: number): void;
}

export interface StreamReplyOptions {
  clock?: Clock;
  /** Markdown shown at once, before any words (default "_Thinking…_"). */
  placeholder?: string;
  observer?: ReplyObserver;
  /** A floor for the gap between two streaming edits of this reply, on top of its fair share. */
  minEditIntervalMs?: number;
  /** The note that ends an aborted reply, read when it ends (default "_(Stopped.)_"). */
  stoppedNote?: () => string;
  /** Tries of one call that fails other than by a 429 before the reply gives up (default 3). */
  maxSendAttempts?: number;
}

export interface ReplyOutcome {
  status: ReplyStatus;
  /** Why the answer failed (`status: "failed"`). */
  failure?: RuntimeFailure;
  /** The reply's messages, in order; their texts joined are `text` (less the fence reopenings of a split). */
  messages: MessageRef[];
  /** Messages a retried answer no longer needed and the platform could not delete (they show a filler). */
  leftovers: MessageRef[];
  /** The final Markdown (the answer, plus the note a failure, stop or empty answer adds). */
  markdown: string;
  /** The final rendered text. */
  text: string;
  posts: number;
  edits: number;
  deletes: number;
  rateLimited: number;
  retries: number;
  /** From the first delta (or the start, when no delta came) to the first visible words. */
  firstVisibleMs?: number;
  /** Set when the platform kept refusing the reply's calls; the reply may be incomplete then. */
  deliveryError?: Error;
}

/** The share of a scope's budget streaming edits may use; the rest keeps final edits from waiting long. */
const UTILIZATION = 0.8;
/** Pace assumed for a budget that does not tell its rate. */
const DEFAULT_CALL_INTERVAL_MS = 1000;
const DEFAULT_MAX_LENGTH = 2000;
/** The most often a reply looks at (renders) its text when the last look found nothing new to show. */
const LOOK_INTERVAL_MS = 50;


interface Shown {
  ref: MessageRef;
  text: string;
}

interface Plan {
  texts: string[];
  visibleChars: number;
  final: boolean;
}

type Action =
  | { kind: "post"; text: string }
  | { kind: "edit"; index: number; text: string }
  | { kind: "delete"; index: number };

/**
 * Turns one answer's runtime events into messages on a target: `streamReply` is the product's; the benchmark
 * swaps in the editing strategies other bots use (bench/strategies), to compare.
 */
export type ReplyStrategy = (
  events: AsyncIterable<RuntimeEvent>,
  target: ReplyTarget,
  options?: StreamReplyOptions,
) => Promise<ReplyOutcome>;

export async function streamReply(
  events: AsyncIterable<RuntimeEvent>,
  target: ReplyTarget,
  options: StreamReplyOptions = {},
): Promise<ReplyOutcome> {
  return new ReplyStream(target, options).run(events);
}

class ReplyStream {
  private readonly clock: Clock;
  private readonly maxLength: number;
  private readonly placeholder: string;
  private readonly answer = new AnswerText();
  private readonly runningTools = new Map<string, string>();
  private status: string | undefined;
  private terminal: Terminal | undefined;
  private finalMarkdown: string | undefined;
  private readonly messages: Shown[] = [];
  private sealed: string[] = [];
  private version = 0;
  private cached: { version: number; plan: Plan } | undefined;
  private wake: () => void = () => {};
  private changed: Promise<void> = Promise.resolve();
  private readonly finished = new AbortController();
  private fatal: Error | undefined;
  private readonly startedAt: number;
  private firstDeltaAt: number | undefined;
  private firstVisibleAt: number | undefined;
  private lastCallAt = -Infinity;
  private lastLookAt = -Infinity;
  private syncedVersion = -1;
  private visibleChars = 0;
  private counts = { posts: 0, edits: 0, deletes: 0, rateLimited: 0, retries: 0 };

  constructor(
    private readonly target: ReplyTarget,
    private readonly options: StreamReplyOptions,
  ) {
    this.clock = options.clock ?? realClock;
    const max = Number(target.maxMessageLength);
    this.maxLength = Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_LENGTH;
    this.placeholder = options.placeholder?.trim() ? options.placeholder : DEFAULT_PLACEHOLDER;
    this.startedAt = this.clock.now();
    this.resetChanged();
  }

  async run(events: AsyncIterable<RuntimeEvent>): Promise<ReplyOutcome> {
    const leave = this.target.budget.join?.();
    this.showTyping();
    try {
      const consuming = this.consume(events);
      await this.send();
      // The sender stops early only on a fatal delivery error; the consumer then stops at its next event, and
      // nobody needs to wait for that.
      if (this.fatal) void consuming.catch(() => {});
      else await consuming;
    } finally {
      leave?.();
    }
    return this.outcome();
  }

  // ---- events -------------------------------------------------------------------------------------------

  private async consume(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    try {
      for await (const event of events) {
        if (this.fatal) break;
        this.apply(event);
        this.bump();
        if (this.terminal) break;
      }
      // An event stream that ends without a terminal event is taken as a complete answer.
      this.terminal ??= { kind: "done", aborted: false };
    } catch (error) {
      this.terminal ??= { kind: "error", failure: { kind: "other", message: errorMessage(error) } };
    }
    this.finish();
  }

  private apply(event: RuntimeEvent): void {
    if (!event || typeof event !== "object") return;
    switch (event.type) {
      case "delta":
        if (typeof event.text !== "string" || event.text === "") return;
        this.firstDeltaAt ??= this.clock.now();
        this.answer.addDelta(String(event.messageId ?? ""), event.text);
        // The answer goes on: the tool (or retry) status line has done its job.
        this.status = undefined;
        return;
      case "message":
        if (typeof event.content !== "string") return;
        this.answer.setMessage(String(event.messageId ?? ""), event.content);
        return;
      case "message_discarded":
        // The runtime retries this one model call itself: its partial text comes again under a new id.
        this.answer.discard(String(event.messageId ?? ""));
        this.sealed = [];
        return;
      case "tool_start":
        this.runningTools.set(event.toolCallId, event.toolName);
        this.status = toolStatusLine(String(event.toolName ?? ""));
        return;
      case "tool_end": {
        this.runningTools.delete(event.toolCallId);
        const still = [...this.runningTools.values()].pop();
        this.status = still === undefined ? undefined : toolStatusLine(still);
        return;
      }
      case "retry":
        // Everything streamed so far is void and will come again: show none of it twice.
        this.answer.reset();
        this.runningTools.clear();
        this.sealed = [];
        this.status = RETRY_STATUS;
        this.counts.retries++;
        return;
      case "error":
      case "done":
        this.terminal = terminalOf(event);
        return;
      default:
        return;
    }
  }

  private finish(): void {
    const terminal = this.terminal!;
    const aborted = terminal.kind === "done" && terminal.aborted;
    this.finalMarkdown = replyEnding(this.answer.text, terminal, aborted ? this.options.stoppedNote?.() : undefined);
    this.finished.abort();
    this.bump();
  }

  private bump(): void {
    this.version++;
    this.wake();
  }

  private resetChanged(): void {
    this.changed = new Promise<void>((resolve) => {
      this.wake = () => {
        this.resetChanged();
        resolve();
      };
    });
  }

  // ---- what the reply should show -------------------------------------------------------------------------

  private plan(): Plan {
    if (this.cached?.version === this.version) return this.cached.plan;
    const plan = this.finalMarkdown !== undefined ? this.finalPlan(this.finalMarkdown) : this.streamingPlan();
    this.cached = { version: this.version, plan };
    return plan;
  }

  private finalPlan(markdown: string): Plan {
    const rendered = this.renderedFinal(markdown);
    const chunks = layout(rendered, this.maxLength, this.sealed);
    return { texts: chunks.map(messageText), visibleChars: this.answer.text.length, final: true };
  }

  private renderedFinal(markdown: string): string {
    const rendered = this.render(markdown);
    return rendered.trim() === "" ? markdown : rendered;
  }

  private streamingPlan(): Plan {
    const shown = displayablePrefix(this.answer.text);
    const status = this.status === undefined ? undefined : this.render(this.status).trim();
    const rendered = shown.trim() === "" ? "" : this.render(healPartial(shown));
    if (rendered.trim() === "") {
      return { texts: [status || this.render(this.placeholder).trim() || this.placeholder], visibleChars: 0, final: false };
    }
    const chunks = layout(rendered, this.maxLength, this.sealed);
    this.sealed = chunks.slice(0, -1).map((c) => c.text);
    const texts = chunks.map(messageText);
    if (status) {
      const last = texts.length - 1;
      const withStatus = `${texts[last]!.trimEnd()}\n\n${status}`;
      if (withStatus.length <= this.maxLength) texts[last] = withStatus;
    }
    return { texts, visibleChars: shown.length, final: false };
  }

  private render(markdown: string): string {
    try {
      const out = this.target.render(markdown);
      return typeof out === "string" ? out : String(out ?? "");
    } catch {
      // A renderer that chokes on partial text must not stop the reply: show the Markdown as it is.
      return markdown;
    }
  }

  private nextAction(plan: Plan): Action | undefined {
    for (let i = 0; i < plan.texts.length; i++) {
      const text = plan.texts[i]!;
      if (i >= this.messages.length) return { kind: "post", text };
      if (this.messages[i]!.text !== text) return { kind: "edit", index: i, text };
    }
    for (let i = plan.texts.length; i < this.messages.length; i++) {
      if (plan.final && this.target.delete) return { kind: "delete", index: i };
      if (this.messages[i]!.text !== LEFTOVER_FILLER) return { kind: "edit", index: i, text: LEFTOVER_FILLER };
    }
    return undefined;
  }

  // ---- sending ------------------------------------------------------------------------------------------

  /** The single sender: one call in flight at a time, each carrying the newest text when it is made. */
  private async send(): Promise<void> {
    let failures = 0;
    const maxAttempts = Math.max(1, this.options.maxSendAttempts ?? 3);
    for (;;) {
      const changed = this.changed;
      const streaming = this.finalMarkdown === undefined;
      if (streaming && this.version === this.syncedVersion) {
        await changed;
        continue;
      }
      // Pace before looking: rendering the text is the expensive part, so it is done once per call, not per delta.
      const wait = streaming ? this.paceWait() : 0;
      if (wait > 0) {
        // Sleep out the pace, but wake at once for the final text.
        await this.clock.sleep(wait, this.finished.signal);
        continue;
      }
      this.lastLookAt = this.clock.now();
      const plan = this.plan();
      const action = this.nextAction(plan);
      if (!action) {
        if (plan.final) return;
        this.syncedVersion = this.version;
        continue;
      }
      const budgeted = this.usesBudget(action);
      const callDone = budgeted ? await this.target.budget.take() : undefined;
      // The text may have moved on while we waited for the budget: the newest text wins.
      const fresh = this.plan();
      const now = this.nextAction(fresh);
      if (!now) {
        callDone?.();
        continue;
      }
      try {
        await this.call(now, fresh);
        callDone?.();
        failures = 0;
      } catch (error) {
        callDone?.();
        if (error instanceof RateLimitedError) {
          this.counts.rateLimited++;
          this.options.observer?.onRateLimited?.(error.retryAfterMs);
          // Nothing is dropped: the same message stays out of date and is sent, newest text, after the pause.
          if (this.usesBudget(now)) this.target.budget.pause(error.retryAfterMs);
          else await this.clock.sleep(Math.max(1, error.retryAfterMs));
          continue;
        }
        failures++;
        if (failures >= maxAttempts) {
          this.fatal = error instanceof Error ? error : new Error(errorMessage(error));
          return;
        }
        await this.clock.sleep(500 * 2 ** (failures - 1));
      }
    }
  }

  private usesBudget(action: Action): boolean {
    return action.kind !== "post" || this.target.postUsesBudget !== false;
  }

  /** How long this reply should still wait before its next streaming call, by the pacing policy above. */
  private paceWait(): number {
    if (this.messages.length === 0 || this.firstVisibleAt === undefined) {
      // The placeholder and the first words: at once, but without re-rendering on every single delta.
      return this.lastLookAt + LOOK_INTERVAL_MS - this.clock.now();
    }
    const budget = this.target.budget;
    const perCall =
      budget.calls && budget.perMs && budget.calls > 0 ? budget.perMs / budget.calls : DEFAULT_CALL_INTERVAL_MS;
    const share = (perCall * Math.max(1, budget.active ?? 1)) / UTILIZATION;
    const interval = Math.max(share, this.options.minEditIntervalMs ?? 0);
    return Math.max(this.lastCallAt + interval, this.lastLookAt + LOOK_INTERVAL_MS) - this.clock.now();
  }

  private async call(action: Action, plan: Plan): Promise<void> {
    const at = this.clock.now();
    this.lastCallAt = at;
    const report = (ok: boolean, rateLimited: boolean) =>
      this.options.observer?.onCall?.({
        kind: action.kind,
        at,
        ok,
        rateLimited,
        final: plan.final,
        visibleChars: this.visibleChars,
      });
    try {
      if (action.kind === "post") {
        const ref = await this.target.post(action.text);
        this.messages.push({ ref, text: action.text });
        this.counts.posts++;
      } else if (action.kind === "edit") {
        const shown = this.messages[action.index]!;
        await this.target.edit(shown.ref, action.text);
        shown.text = action.text;
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
    if (this.allShown(plan)) this.visibleChars = plan.visibleChars;
    report(true, false);
    if (this.firstVisibleAt === undefined && plan.visibleChars > 0 && this.allShown(plan)) {
      this.firstVisibleAt = this.clock.now();
      this.options.observer?.onFirstVisible?.(this.firstVisibleAt - (this.firstDeltaAt ?? this.startedAt));
    }
  }

  private allShown(plan: Plan): boolean {
    return plan.texts.every((text, i) => this.messages[i]?.text === text);
  }

  private showTyping(): void {
    try {
      void this.target.typing?.().catch(() => {});
    } catch {
      // A typing indicator is a nicety; its failure changes nothing.
    }
  }

  // ---- result -------------------------------------------------------------------------------------------

  private outcome(): ReplyOutcome {
    const terminal = this.terminal ?? { kind: "error", failure: { kind: "other" as FailureKind, message: "no terminal event" } };
    const markdown = this.finalMarkdown ?? "";
    const plan = this.finalMarkdown !== undefined ? this.plan() : undefined;
    let status: ReplyStatus;
    let failure: RuntimeFailure | undefined;
    if (this.fatal) {
      status = "failed";
      failure = { kind: "other", message: `the reply could not be delivered: ${this.fatal.message}` };
    } else if (terminal.kind === "error") {
      status = "failed";
      failure = terminal.failure;
    } else if (terminal.aborted) {
      status = "aborted";
    } else {
      status = this.answer.text.trim() === "" ? "empty" : "complete";
    }
    const answerMessages = plan ? this.messages.slice(0, plan.texts.length) : this.messages;
    const leftovers = plan ? this.messages.slice(plan.texts.length).map((m) => m.ref) : [];
    return {
      status,
      ...(failure ? { failure } : {}),
      messages: answerMessages.map((m) => m.ref),
      leftovers,
      markdown,
      text: this.finalMarkdown !== undefined ? this.renderedFinal(markdown) : "",
      ...this.counts,
      ...(this.firstVisibleAt !== undefined
        ? { firstVisibleMs: this.firstVisibleAt - (this.firstDeltaAt ?? this.startedAt) }
        : {}),
      ...(this.fatal ? { deliveryError: this.fatal } : {}),
    };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
