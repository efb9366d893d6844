/**
 * What the peer strategies share: the answer as it builds up from the runtime's events, and its final Markdown
 * (the same final text and notes as the product's streamer, so only the pacing differs in a comparison).
 */
import { replyEnding, terminalOf, type Terminal } from "../../src/reply/final-text.js";
import type { FailureKind, RuntimeEvent, RuntimeFailure } from "../../src/runtime/events.js";
import { AnswerText } from "../../src/reply/answer-text.js";
import type { ReplyOutcome, ReplyStatus, StreamReplyOptions } from "../../src/reply/stream-reply.js";
import { realClock, type Clock } from "../../src/reply/clock.js";
import type { ReplyTarget } from "../../src/reply/target.js";


export class PeerAnswer {
  private readonly answer = new AnswerText();
  private terminal: Terminal | undefined;
  /** Bumped on every change, so a sender can tell whether there is anything new to show. */
  version = 0;
  firstDeltaAt: number | undefined;
  retries = 0;
  private readonly ended = new AbortController();

  constructor(private readonly now: () => number) {}

  /** Aborts when the answer is over (the final text is known). */
  get endedSignal(): AbortSignal {
    return this.ended.signal;
  }

  get isOver(): boolean {
    return this.terminal !== undefined;
  }

  get text(): string {
    return this.answer.text;
  }

  /** Reads every event; never throws (a failing event stream ends the answer as an error). */
  async consume(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    try {
      for await (const event of events) {
        this.apply(event);
        this.version++;
        if (this.terminal) break;
      }
      this.terminal ??= { kind: "done", aborted: false };
    } catch (error) {
      this.terminal ??= { kind: "error", failure: { kind: "other", message: error instanceof Error ? error.message : String(error) } };
    }
    this.version++;
    this.ended.abort();
  }

  private apply(event: RuntimeEvent): void {
    if (!event || typeof event !== "object") return;
    switch (event.type) {
      case "delta":
        if (typeof event.text !== "string" || event.text === "") return;
        this.firstDeltaAt ??= this.now();
        this.answer.addDelta(String(event.messageId ?? ""), event.text);
        return;
      case "message":
        if (typeof event.content === "string") this.answer.setMessage(String(event.messageId ?? ""), event.content);
        return;
      case "message_discarded":
        this.answer.discard(String(event.messageId ?? ""));
        return;
      case "retry":
        this.answer.reset();
        this.retries++;
        return;
      case "error":
      case "done":
        this.terminal = terminalOf(event);
        return;
      default:
        return;
    }
  }

  /** The reply's last Markdown: the answer, or what is left of it plus the note a failure or stop adds. */
  finalMarkdown(): string {
    return replyEnding(this.answer.text, this.terminal ?? { kind: "done", aborted: false });
  }

  status(fatal: Error | undefined): { status: ReplyStatus; failure?: RuntimeFailure } {
    if (fatal) return { status: "failed", failure: { kind: "other" as FailureKind, message: `the reply could not be delivered: ${fatal.message}` } };
    const terminal = this.terminal;
    if (!terminal) return { status: "failed", failure: { kind: "other", message: "no terminal event" } };
    if (terminal.kind === "error") return { status: "failed", failure: terminal.failure };
    if (terminal.aborted) return { status: "aborted" };
    return { status: this.answer.text.trim() === "" ? "empty" : "complete" };
  }
}

/** The counters every strategy reports in its outcome. */
export type Counts = Pick<ReplyOutcome, "posts" | "edits" | "deletes" | "rateLimited" | "retries">;

const DEFAULT_MAX_LENGTH = 2000;

/** The state every peer strategy keeps for one reply: its clock, its answer, its limit and its counts. */
export abstract class PeerReply {
  protected readonly clock: Clock;
  protected readonly answer: PeerAnswer;
  protected readonly maxLength: number;
  protected fatal: Error | undefined;
  protected firstVisibleAt: number | undefined;
  protected readonly counts: Counts = { posts: 0, edits: 0, deletes: 0, rateLimited: 0, retries: 0 };

  constructor(
    protected readonly target: ReplyTarget,
    protected readonly intervalMs: number,
    protected readonly options: StreamReplyOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.answer = new PeerAnswer(() => this.clock.now());
    const max = Number(target.maxMessageLength);
    this.maxLength = Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_LENGTH;
  }
}
