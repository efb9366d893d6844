/**
 * Streams one answer through the target's native, append-only stream (ReplyTarget.nativeStream) when that is
 * the better path, and through post + edit (stream-reply.ts) otherwise or as soon as the native path cannot go on.
 *
 * Append-only means what is shown can never be taken back, so:
 * - Only settled text is appended (markdown/settled-prefix.ts): whole lines, and the whole words of the line being
 *   written up to where its inline Markdown is closed, outside an open code block or an unconfirmed table. Healing
 *   a partial construct (partial-markdown.ts) would add a closing marker the next words make wrong, so it is never
 *   appended; the reader sees each word once nothing after it can change how it reads.
 * - A model call the runtime discards (`message_discarded`), a retried answer (`retry`) or a final text that no
 *   longer starts with what was appended: the shown text would be wrong and cannot be fixed by appending, so the
 *   stream is stopped and the answer goes on in post + edit, which adopts the streamed messages and edits them
 *   (a stopped stream is an ordinary message). Every event seen so far is replayed to it, so nothing is lost
 *   and nothing is shown twice.
 * - The platform closes a stream a while after its start (Slack: ~5 minutes): before that the stream is stopped
 *   and the next text starts a new one; text refused by a stream that closed early is sent again in the next.
 * - A refused stream (scope, unknown method, conversation) or a call failing otherwise: post + edit, as above.
 */
import { AnswerReader } from "../runtime/answer-reader.js";
import { ChangeSignal } from "./change-signal.js";
import { realClock, type Clock } from "./clock.js";
import { replyEnding, replyStatus } from "./final-text.js";
import { settledPrefix } from "./markdown/settled-prefix.js";
import { paceWait } from "./pacing.js";
import { followWithStatus } from "./status-line.js";
import { streamReply, type ReplyOutcome, type StreamReplyOptions } from "./stream-reply.js";
import {
  RateLimitedError,
  StreamClosedError,
  type AppendOnlyStream,
  type CallClaim,
  type CallDone,
  type ClaimKind,
  type EditBudget,
  type NativeStreaming,
  type ReplyTarget,
} from "./target.js";
import type { RuntimeEvent } from "../runtime/events.js";

/**
 * The product's streamer: native where the target offers it and its budget is the looser one, else post + edit,
 * with the target's status line (if any) following what the runtime does. Same contract as streamReply.
 */
export async function streamAnswer(
  events: AsyncIterable<RuntimeEvent>,
  target: ReplyTarget,
  options: StreamReplyOptions = {},
): Promise<ReplyOutcome> {
  const followed = target.statusLine ? followWithStatus(events, target.statusLine) : events;
  const native = target.nativeStream;
  try {
    if (!native || !prefersNative(target.budget, native)) return await streamReply(followed, target, options);
    return await new NativeReply(target, native, options).run(followed);
  } finally {
    await target.answerEnded?.().catch(() => undefined);
  }
}

/**
 * Whether a new answer will show its words sooner natively than by editing, given what each path's windows still
 * allow now (budget/scheduler.ts: each method on its own tier). A native answer needs a start and a stop (Slack
 * Tier 2, 20 a minute each) besides its appends (Tier 4, 100 a minute): once the starts left are spent, or the
 * stops left would not cover every native answer running, the next answers edit instead — they do not wait for
 * the next window. Otherwise the path whose streaming calls left per answer (this one included) is the larger
 * wins; a budget that cannot tell its room is taken at its rate shared by its answers.
 */
export function prefersNative(editBudget: EditBudget, native: NativeStreaming): boolean {
  if (roomFor(native.startBudget, "final") < 1) return false;
  const nativeRunning = native.appendBudget.active ?? 0;
  if (roomFor(native.stopBudget, "final") < nativeRunning + 1) return false;
  return share(native.appendBudget) >= share(editBudget);
}

/** What the window still allows for `kind`; a budget that cannot tell, its calls less its replies. */
function roomFor(budget: EditBudget, kind: ClaimKind): number {
  if (budget.room) return budget.room(kind);
  return budget.calls !== undefined ? budget.calls - (budget.active ?? 0) : Infinity;
}

/** Streaming calls the window still allows per answer on `budget`, this new one included. */
function share(budget: EditBudget): number {
  const answers = (budget.active ?? 0) + 1;
  if (budget.room) return Math.max(0, budget.room("stream")) / answers;
  const rate = budget.calls !== undefined && budget.perMs ? (budget.calls * 60_000) / budget.perMs : 60;
  return rate / answers;
}

interface OpenStream {
  stream: AppendOnlyStream;
  startedAt: number;
  open: boolean;
  /** The Markdown this message shows. */
  text: string;
}

/** Thrown inside the native path when it cannot go on; the answer continues in post + edit. */
class Handover extends Error {}

/** A streaming call stopped waiting for the budget because the answer ended (its final calls follow). */
class Superseded extends Error {}

class NativeReply {
  private readonly clock: Clock;
  private readonly reader: AnswerReader;
  private readonly seen: RuntimeEvent[] = [];
  private ended = false;
  private readonly streams: OpenStream[] = [];
  /** Markdown shown across the streams, in order (the answer from its first visible character). */
  private appended = "";
  private handover: string | undefined;
  private readonly counts = { posts: 0, edits: 0, deletes: 0, rateLimited: 0 };
  private lastCallAt = -Infinity;
  private lastLookAt = -Infinity;
  /** When the stream last showed more (the scheduler ages a waiting append from then). */
  private shownAt: number | undefined;
  private firstVisibleAt: number | undefined;
  private readonly startedAt: number;
  private readonly changed = new ChangeSignal();
  private readonly finished = new AbortController();

  constructor(
    private readonly target: ReplyTarget,
    private readonly native: NativeStreaming,
    private readonly options: StreamReplyOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.reader = new AnswerReader(() => this.clock.now());
    this.startedAt = this.clock.now();
  }

  async run(events: AsyncIterable<RuntimeEvent>): Promise<ReplyOutcome> {
    const leave = this.native.appendBudget.join?.();
    const consuming = this.consume(events);
    try {
      await this.sendNatively();
    } catch (error) {
      this.handover ??= error instanceof Error ? error.message : String(error);
    } finally {
      leave?.();
    }
    if (this.handover === undefined) {
      await consuming;
      return this.outcome();
    }
    await this.stopOpenStream(false).catch(() => undefined);
    // The answer goes on by post + edit from its first event; the streamed messages are its first messages.
    const rest = await streamReply(this.replay(), this.target, {
      ...this.options,
      adopt: this.streams.map((s) => ({ ref: s.stream.ref, text: s.text })),
    });
    await consuming;
    return {
      ...rest,
      posts: rest.posts + this.counts.posts,
      edits: rest.edits + this.counts.edits,
      rateLimited: rest.rateLimited + this.counts.rateLimited,
      ...(this.firstVisibleAt !== undefined ? { firstVisibleMs: this.firstVisibleAt - this.firstDeltaAt() } : {}),
    };
  }

  /** Reads every event once, keeps it for a replay, and applies it while the native path is in charge. */
  private async consume(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    try {
      for await (const event of events) {
        this.seen.push(event);
        if (this.handover === undefined) this.apply(event);
        else this.reader.apply(event);
        this.bump();
        if (this.reader.terminal) break;
      }
    } catch (error) {
      const failure = { kind: "other" as const, message: error instanceof Error ? error.message : String(error) };
      const event: RuntimeEvent = { type: "error", failure };
      this.seen.push(event);
      this.reader.apply(event);
    }
    if (!this.reader.terminal) {
      const done: RuntimeEvent = { type: "done", aborted: false };
      this.seen.push(done);
      this.reader.apply(done);
    }
    this.ended = true;
    this.finished.abort();
    this.bump();
  }

  private apply(event: RuntimeEvent): void {
    this.reader.apply(event);
    if (event?.type === "message_discarded" || event?.type === "retry") {
      // Text already appended may be the discarded text: only an edit can take it back.
      if (this.appended !== "")
        this.handover = `the model call was ${event.type === "retry" ? "retried" : "discarded"}`;
    }
  }

  private async *replay(): AsyncGenerator<RuntimeEvent> {
    let next = 0;
    for (;;) {
      const changed = this.changed.next;
      while (next < this.seen.length) yield this.seen[next++]!;
      if (this.ended) return;
      await changed;
    }
  }

  private answer(): string {
    return this.reader.text.replace(/^\s+/, "");
  }

  private async sendNatively(): Promise<void> {
    for (;;) {
      if (this.handover !== undefined) return;
      const changed = this.changed.next;
      if (this.reader.terminal) {
        await this.finish();
        return;
      }
      const wait = this.paceWait();
      if (wait > 0) {
        await this.clock.sleep(wait, this.finished.signal);
        continue;
      }
      this.lastLookAt = this.clock.now();
      if (this.pending() === "") {
        await changed;
        continue;
      }
      // The piece is taken when the budget grants the call: the words that came while it waited go with it.
      try {
        await this.write(() => this.pending().slice(0, this.native.maxChunkChars), "stream");
      } catch (error) {
        // The answer ended while the append waited: the rest goes with the final calls.
        if (error instanceof Superseded) continue;
        throw error;
      }
    }
  }

  /** The settled text not yet appended. */
  private pending(): string {
    const answer = this.answer();
    const settled = settledPrefix(answer);
    if (settled.startsWith(this.appended)) return settled.slice(this.appended.length);
    // Settled text can, rarely, stop short of what went out (a line's words held back while a long emphasis is
    // open): nothing is taken back, the stream waits for more words. Only a changed text hands over.
    if (answer.startsWith(this.appended)) return "";
    throw new Handover("the answer's text changed under the stream");
  }

  /** The final Markdown: what is left after the appended text, the last piece with the stop. */
  private async finish(): Promise<void> {
    const terminal = this.reader.terminal!;
    const aborted = terminal.kind === "done" && terminal.aborted;
    const final = replyEnding(this.reader.text, terminal, aborted ? this.options.stoppedNote?.() : undefined);
    let rest: string;
    if (final.startsWith(this.appended)) rest = final.slice(this.appended.length);
    else if (final.startsWith(this.appended.trimEnd()) && final.length === this.appended.trimEnd().length) rest = "";
    else throw new Handover("the final text does not continue what was streamed");
    const max = this.native.maxChunkChars;
    while (rest.length > max) {
      const piece = rest.slice(0, max);
      await this.write(() => piece, "final");
      rest = rest.slice(max);
    }
    await this.stopWith(rest);
    this.options.observer?.onFinalText?.();
  }

  /** The stream still open and not about to lapse; one about to lapse is stopped first. */
  private async usableStream(): Promise<OpenStream | undefined> {
    const current = this.streams.at(-1);
    if (!current?.open) return undefined;
    // Stop early enough that the stop itself still lands before the platform closes it.
    const margin = Math.min(30_000, this.native.lifetimeMs / 10);
    if (this.clock.now() - current.startedAt < this.native.lifetimeMs - margin) return current;
    await this.stopOpenStream(false);
    return undefined;
  }

  /**
   * Shows `piece()` (read once the budget grants the call) after what is shown: appended to the open stream, or
   * as the start of a new one. `kind` tells the scheduler what the call is for (a stream's start is first words).
   */
  private async write(piece: () => string, kind: ClaimKind): Promise<void> {
    for (;;) {
      const current = await this.usableStream();
      let text = "";
      const take = () => (text = piece());
      try {
        if (current) {
          await this.call(this.native.appendBudget, () => current.stream.append(take()), this.claim(kind));
          current.text += text;
          this.counts.edits++;
        } else {
          const at = this.clock.now();
          const claim: CallClaim = { kind: kind === "stream" ? "first" : kind };
          const stream = await this.call(this.native.startBudget, () => this.native.start(take()), claim);
          this.streams.push({ stream, startedAt: at, open: true, text });
          this.counts.posts++;
        }
        this.appended += text;
        this.shownAt = this.clock.now();
        this.observeVisible();
        return;
      } catch (error) {
        if (error instanceof StreamClosedError && current) {
          // Closed earlier than expected: the text was not shown; it opens the next stream.
          current.open = false;
          continue;
        }
        throw error;
      }
    }
  }

  /** Ends the answer: `text` goes with the stop; a stream that closed meanwhile is replaced to carry it. */
  private async stopWith(text: string): Promise<void> {
    for (;;) {
      const current = await this.usableStream();
      if (!current) {
        // Nothing open: the text opens a stream that is then stopped with nothing more.
        if (text === "" && this.streams.length > 0) return;
        const piece = text;
        await this.write(() => piece, "final");
        text = "";
        continue;
      }
      try {
        await this.call(this.native.stopBudget, () => current.stream.stop(text, true), { kind: "final" });
        current.open = false;
        current.text += text;
        this.appended += text;
        if (text) this.observeVisible();
        return;
      } catch (error) {
        if (error instanceof StreamClosedError) {
          current.open = false;
          continue;
        }
        throw error;
      }
    }
  }

  private async stopOpenStream(finished: boolean): Promise<void> {
    const current = this.streams.at(-1);
    if (!current?.open) return;
    current.open = false;
    try {
      await this.call(this.native.stopBudget, () => current.stream.stop("", finished), { kind: "final" });
    } catch (error) {
      if (!(error instanceof StreamClosedError)) throw error;
    }
  }

  /** One call on `budget`, waiting out the platform's 429s (nothing is dropped: the same text goes again). */
  private async call<T>(budget: EditBudget, make: () => Promise<T>, claim: CallClaim): Promise<T> {
    for (;;) {
      // A streaming call waits only until the answer ends; the final calls then ask as finals.
      const signal = claim.kind === "stream" ? this.finished.signal : undefined;
      let done: CallDone | void;
      try {
        done = await budget.take(signal, claim);
      } catch (error) {
        if (signal?.aborted) throw new Superseded("the answer ended while the call waited");
        throw error;
      }
      this.lastCallAt = this.clock.now();
      try {
        return await make();
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        this.counts.rateLimited++;
        this.options.observer?.onRateLimited?.(error.retryAfterMs);
        budget.pause(error.retryAfterMs);
      } finally {
        done?.();
      }
    }
  }

  /** What an append is for, for the budget's scheduler (budget/scheduler.ts). */
  private claim(kind: ClaimKind): CallClaim {
    if (kind !== "stream") return { kind };
    return { kind, unshown: () => this.answer().length - this.appended.length, ...(this.shownAt !== undefined ? { shownAt: this.shownAt } : {}) };
  }

  private paceWait(): number {
    return paceWait({
      now: this.clock.now(),
      lastCallAt: this.lastCallAt,
      lastLookAt: this.lastLookAt,
      wordsVisible: this.appended !== "",
      ...(this.options.minEditIntervalMs !== undefined ? { minEditIntervalMs: this.options.minEditIntervalMs } : {}),
    });
  }

  private observeVisible(): void {
    this.options.observer?.onCall?.({
      kind: this.counts.edits > 0 ? "edit" : "post",
      at: this.lastCallAt,
      ok: true,
      rateLimited: false,
      final: this.reader.terminal !== undefined,
      visibleChars: this.appended.length,
    });
    if (this.firstVisibleAt !== undefined || this.appended.trim() === "") return;
    this.firstVisibleAt = this.clock.now();
    this.options.observer?.onFirstVisible?.(this.firstVisibleAt - this.firstDeltaAt());
  }

  private firstDeltaAt(): number {
    return this.reader.firstDeltaAt ?? this.startedAt;
  }

  private outcome(): ReplyOutcome {
    const { status, failure } = replyStatus(this.reader.terminal, this.reader.text, undefined);
    return {
      status,
      ...(failure ? { failure } : {}),
      messages: this.streams.map((s) => s.stream.ref),
      leftovers: [],
      markdown: this.appended,
      text: this.appended,
      ...this.counts,
      retries: this.reader.retries,
      ...(this.firstVisibleAt !== undefined ? { firstVisibleMs: this.firstVisibleAt - this.firstDeltaAt() } : {}),
    };
  }

  private bump(): void {
    this.changed.notify();
  }
}
