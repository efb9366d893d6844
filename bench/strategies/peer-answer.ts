/**
 * What the peer strategies share: the answer as it builds up from the runtime's events, and its final Markdown
 * (the same final text and notes as the product's streamer, so only the pacing differs in a comparison).
 */
import { AnswerReader } from "../../src/runtime/answer-reader.js";
import { replyEnding, replyStatus, type ReplyStatus } from "../../src/reply/final-text.js";
import type { RuntimeEvent, RuntimeFailure } from "../../src/runtime/events.js";
import type { ReplyOutcome, StreamReplyOptions } from "../../src/reply/stream-reply.js";
import { realClock, type Clock } from "../../src/reply/clock.js";
import type { ReplyTarget } from "../../src/reply/target.js";


export class PeerAnswer {
  private readonly reader: AnswerReader;
  /** Bumped on every change, so a sender can tell whether there is anything new to show. */
  version = 0;
  private readonly ended = new AbortController();

  constructor(now: () => number) {
    this.reader = new AnswerReader(now);
  }

  /** Aborts when the answer is over (the final text is known). */
  get endedSignal(): AbortSignal {
    return this.ended.signal;
  }

  get isOver(): boolean {
    return this.reader.terminal !== undefined;
  }

  get text(): string {
    return this.reader.text;
  }

  get firstDeltaAt(): number | undefined {
    return this.reader.firstDeltaAt;
  }

  get retries(): number {
    return this.reader.retries;
  }

  /** Reads every event; never throws (a failing event stream ends the answer as an error). */
  async consume(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    await this.reader.read(events, { onEvent: () => this.version++ });
    this.version++;
    this.ended.abort();
  }

  /** The reply's last Markdown: the answer, or what is left of it plus the note a failure or stop adds. */
  finalMarkdown(): string {
    return replyEnding(this.reader.text, this.reader.terminal ?? { kind: "done", aborted: false });
  }

  status(fatal: Error | undefined): { status: ReplyStatus; failure?: RuntimeFailure } {
    return replyStatus(this.reader.terminal, this.reader.text, fatal);
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
