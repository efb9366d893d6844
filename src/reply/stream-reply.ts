/**
 * Streams one answer into a reply: reads the runtime's events (answer-reader.ts), decides what the reply should
 * show (reply-view.ts), and hands that to the single sender (reply-sender.ts), which paces its calls
 * (pacing.ts) and retries them (delivery-retry.ts). The reply keeps showing the newest text the edit budget allows
 * and ends with the answer's authoritative text, or, when the platform kept failing past the bound, with the
 * sentence that the answer could not be delivered.
 */
import { AnswerReader } from "../runtime/answer-reader.js";
import { ChangeSignal } from "./change-signal.js";
import { realClock, type Clock } from "./clock.js";
import { replyEnding, replyStatus, type ReplyStatus } from "./final-text.js";
import { DEFAULT_PLACEHOLDER, RETRY_STATUS, toolStatusLine } from "./notices.js";
import { ReplySender, type ReplyObserver } from "./reply-sender.js";
import { ReplyView, type ViewSource } from "./reply-view.js";
import type { MessageRef, ReplyTarget } from "./target.js";
import { keepTyping } from "./typing-renewal.js";
import type { RuntimeEvent, RuntimeFailure } from "../runtime/events.js";

export type { ReplyStatus } from "./final-text.js";
export type { ReplyCall, ReplyObserver } from "./reply-sender.js";

export interface StreamReplyOptions {
  clock?: Clock;
  /** Markdown shown at once, before any words (default "_Thinking…_"). */
  placeholder?: string;
  observer?: ReplyObserver;
  /** A floor for the gap between two streaming edits of this reply, on top of its fair share. */
  minEditIntervalMs?: number;
  /** The note that ends an aborted reply, read when it ends (default "_(Stopped.)_"). */
  stoppedNote?: () => string;
  /** Tries of a call the platform refuses for good (not a 429, not a passing failure) before giving up (default 3). */
  maxSendAttempts?: number;
  /**
   * How long passing platform failures (5xx, network errors, timeouts) are tried again before the reply gives up
   * and says the answer could not be delivered (default DELIVERY_RETRY_MS, about two minutes).
   */
  deliveryRetryMs?: number;
  /**
   * Messages already showing part of this answer (a native stream that had to stop), in order: the reply takes
   * them as its first messages and edits them into place instead of posting anew.
   */
  adopt?: ReadonlyArray<{ ref: MessageRef; text: string }>;
}

export interface ReplyOutcome {
  status: ReplyStatus;
  /** Why the answer failed (`status: "failed"`). */
  failure?: RuntimeFailure;
  /** The reply's messages, in order; their texts joined are `text` (less the fence reopenings of a split). */
  messages: MessageRef[];
  /** Messages a retried answer no longer needed and the platform could not delete (they show a filler). */
  leftovers: MessageRef[];
  /**
   * The final Markdown (the answer, plus the note a failure, stop or empty answer adds); when the platform kept
   * failing, what the reply was last asked to show (the words it had, and the sentence that it could not deliver).
   */
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

const DEFAULT_MAX_LENGTH = 2000;

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
  private readonly answer: AnswerReader;
  private readonly view: ReplyView;
  private readonly sender: ReplySender;
  private readonly runningTools = new Map<string, string>();
  private readonly startedAt: number;
  private readonly finished = new AbortController();
  private status: string | undefined;
  private finalMarkdown: string | undefined;
  private version = 0;
  private readonly changed = new ChangeSignal();

  constructor(
    private readonly target: ReplyTarget,
    private readonly options: StreamReplyOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.answer = new AnswerReader(() => this.clock.now());
    const max = Number(target.maxMessageLength);
    const maxLength = Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_LENGTH;
    const placeholder = options.placeholder?.trim() ? options.placeholder : DEFAULT_PLACEHOLDER;
    this.view = new ReplyView(target, maxLength, placeholder);
    this.startedAt = this.clock.now();
    this.sender = new ReplySender(
      target,
      this.view,
      {
        current: () => this.source(),
        changed: () => this.changed.next,
        finished: this.finished.signal,
        firstDeltaAt: () => this.answer.firstDeltaAt ?? this.startedAt,
      },
      {
        clock: this.clock,
        ...(options.observer ? { observer: options.observer } : {}),
        ...(options.minEditIntervalMs !== undefined ? { minEditIntervalMs: options.minEditIntervalMs } : {}),
        ...(options.maxSendAttempts !== undefined ? { maxSendAttempts: options.maxSendAttempts } : {}),
        ...(options.deliveryRetryMs !== undefined ? { deliveryRetryMs: options.deliveryRetryMs } : {}),
      },
    );
    for (const message of options.adopt ?? []) this.sender.adopt(message.ref, message.text);
  }

  async run(events: AsyncIterable<RuntimeEvent>): Promise<ReplyOutcome> {
    const leave = this.target.budget.join?.();
    const typingEnds = new AbortController();
    const nothingNewToRead = () => !this.finished.signal.aborted && (this.sender.firstVisibleAt === undefined || this.runningTools.size > 0);
    keepTyping(this.target, this.clock, nothingNewToRead, typingEnds.signal);
    try {
      const consuming = this.consume(events);
      await this.sender.send();
      // The sender stops early only on a fatal delivery error; the consumer then stops at its next event, and
      // nobody needs to wait for that.
      if (this.sender.fatal) void consuming.catch(() => {});
      else await consuming;
    } finally {
      typingEnds.abort();
      leave?.();
    }
    return this.outcome();
  }

  private source(): ViewSource {
    return { version: this.version, answer: this.answer.text, status: this.status, finalMarkdown: this.finalMarkdown };
  }

  private async consume(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    await this.answer.read(events, {
      stop: () => this.sender.fatal !== undefined,
      onEvent: (event, took) => {
        this.showStatus(event, took);
        this.bump();
      },
    });
    const terminal = this.answer.terminal!;
    const aborted = terminal.kind === "done" && terminal.aborted;
    this.finalMarkdown = replyEnding(this.answer.text, terminal, aborted ? this.options.stoppedNote?.() : undefined);
    this.finished.abort();
    this.bump();
  }

  /** The status line under the words: which tool runs, or that the answer is being tried again. */
  private showStatus(event: RuntimeEvent, took: boolean): void {
    switch (event?.type) {
      case "delta":
        // The answer goes on: the tool (or retry) status line has done its job.
        if (took) this.status = undefined;
        return;
      case "message_discarded":
        this.view.unseal();
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
        this.runningTools.clear();
        this.view.unseal();
        this.status = RETRY_STATUS;
        return;
      default:
        return;
    }
  }

  private bump(): void {
    this.version++;
    this.changed.notify();
  }

  private outcome(): ReplyOutcome {
    const undelivered = this.sender.fatal ? this.sender.undeliveredMarkdown : undefined;
    const markdown = undelivered ?? this.finalMarkdown ?? "";
    // A reply that gave up shows what it could; none of its messages is a leftover of a retried answer.
    const plan = this.finalMarkdown !== undefined && undelivered === undefined ? this.view.plan(this.source()) : undefined;
    const { status, failure } = replyStatus(this.answer.terminal, this.answer.text, this.sender.fatal);
    const { messages, leftovers } = this.sender.refs(plan?.texts.length);
    const firstVisibleAt = this.sender.firstVisibleAt;
    return {
      status,
      ...(failure ? { failure } : {}),
      messages,
      leftovers: plan ? leftovers : [],
      markdown,
      text: this.finalMarkdown !== undefined || undelivered !== undefined ? this.view.renderedFinal(markdown) : "",
      ...this.sender.counts,
      retries: this.answer.retries,
      ...(firstVisibleAt !== undefined ? { firstVisibleMs: firstVisibleAt - (this.answer.firstDeltaAt ?? this.startedAt) } : {}),
      ...(this.sender.fatal ? { deliveryError: this.sender.fatal } : {}),
    };
  }
}
