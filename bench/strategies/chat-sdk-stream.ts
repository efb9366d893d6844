/**
 * The peer issue 18 measures us against: Slack native streaming the way Vercel's Chat SDK (`chat` +
 * `@chat-adapter/slack`) does it. From its source (vercel/chat at c4f709f, @chat-adapter/slack 4.38;
 * packages/adapter-slack/src/index.ts `SlackAdapter.stream`, packages/chat/src/streaming-markdown.ts), and
 * @slack/web-api 8.2's own ChatStreamer (dist/chat-stream.js), which it drives:
 * - one WebClient per bot token (`getClientForToken`), default options: its retry policy, and on a 429 the client
 *   pauses its whole request queue for Retry-After and then retries (`rejectRateLimitedCalls: false`), so one
 *   429 holds up every answer streaming in that workspace;
 * - `client.chatStream({channel, thread_ts, recipient_user_id, recipient_team_id})`; for each piece of the
 *   model's text stream, in order and awaited before the next (no timer, no pacing, no budget), the newly
 *   committable text (appendable-text.ts: whole lines, confirmed tables, closed inline markers) goes to
 *   `streamer.append({markdown_text})`;
 * - the ChatStreamer buffers it and calls Slack only once 256 characters are buffered (`buffer_size`, default
 *   256): chat.startStream with the first buffer, chat.appendStream after; `streamer.stop()` sends the rest with
 *   chat.stopStream. No placeholder, no status line (the bot would have to ask for one).
 * Used here: the REAL WebClient and its chatStream(), one client per workspace (bench/e2e/bot.ts). Left out, as
 * the bench never needs them: the Chat SDK's post + edit fallback when Slack refuses the first stream call, and
 * mention resolution. The runtime's retries are not in an AI SDK text stream: if the answer stops extending what
 * was appended, nothing more is appended (an append-only stream cannot take text back).
 */
import type { webApi } from "@slack/bolt";
import { AnswerReader } from "../../src/runtime/answer-reader.js";
import { realClock } from "../../src/reply/clock.js";
import { replyStatus } from "../../src/reply/final-text.js";
import type { ReplyOutcome, ReplyStrategy, StreamReplyOptions } from "../../src/reply/stream-reply.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { appendableText } from "./appendable-text.js";

/** Where one answer streams: the workspace's one WebClient, and the thread and person it answers. */
export interface ChatSdkThread {
  client: webApi.WebClient;
  channel: string;
  threadTs: string;
  recipientUserId: string;
  recipientTeamId: string;
}

export function chatSdkReply(thread: ChatSdkThread): ReplyStrategy {
  return (events, _target, options = {}) => new ChatSdkStream(thread, options).run(events);
}

class ChatSdkStream {
  private readonly clock;
  private readonly reader: AnswerReader;
  private readonly streamer: ReturnType<webApi.WebClient["chatStream"]>;
  /** The Markdown handed to the streamer so far (some of it may still sit in its buffer). */
  private appended = "";
  private calls = 0;
  private firstVisibleAt: number | undefined;
  private fatal: Error | undefined;

  constructor(
    thread: ChatSdkThread,
    private readonly options: StreamReplyOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.reader = new AnswerReader(() => this.clock.now());
    this.streamer = thread.client.chatStream({
      channel: thread.channel,
      thread_ts: thread.threadTs,
      recipient_user_id: thread.recipientUserId,
      recipient_team_id: thread.recipientTeamId,
    });
  }

  async run(events: AsyncIterable<RuntimeEvent>): Promise<ReplyOutcome> {
    const startedAt = this.clock.now();
    try {
      for await (const event of events) {
        this.reader.apply(event);
        if (event.type === "delta") await this.append(false);
        if (this.reader.terminal || this.fatal) break;
      }
    } catch (error) {
      this.reader.terminal ??= { kind: "error", failure: { kind: "other", message: error instanceof Error ? error.message : String(error) } };
    }
    this.reader.terminal ??= { kind: "done", aborted: false };
    if (!this.fatal) await this.append(true);
    if (!this.fatal) {
      try {
        await this.streamer.stop();
        this.calls++;
        this.noteVisible();
      } catch (error) {
        this.fatal = error instanceof Error ? error : new Error(String(error));
      }
    }
    const ts = this.streamer.ts;
    const markdown = this.reader.text.trim();
    return {
      ...replyStatus(this.reader.terminal, this.reader.text, this.fatal),
      messages: ts ? [{ id: ts }] : [],
      leftovers: [],
      markdown,
      text: markdown,
      posts: ts ? 1 : 0,
      edits: Math.max(0, this.calls - 1),
      deletes: 0,
      rateLimited: 0, // The WebClient waits out its 429s inside; the fake Slack counts them.
      retries: this.reader.retries,
      ...(this.firstVisibleAt !== undefined ? { firstVisibleMs: this.firstVisibleAt - (this.reader.firstDeltaAt ?? startedAt) } : {}),
      ...(this.fatal ? { deliveryError: this.fatal } : {}),
    };
  }

  /** Hands the newly committable text to the streamer, which calls Slack once 256 characters are buffered. */
  private async append(finished: boolean): Promise<void> {
    const committable = appendableText(this.reader.text, finished);
    if (!committable.startsWith(this.appended)) return;
    const delta = committable.slice(this.appended.length);
    if (delta === "") return;
    try {
      const response = await this.streamer.append({ markdown_text: delta });
      this.appended = committable;
      if (response) {
        this.calls++;
        this.noteVisible();
      }
    } catch (error) {
      this.fatal = error instanceof Error ? error : new Error(String(error));
    }
  }

  private noteVisible(): void {
    if (this.firstVisibleAt !== undefined || this.appended.trim() === "") return;
    this.firstVisibleAt = this.clock.now();
    this.options.observer?.onFirstVisible?.(this.firstVisibleAt - (this.reader.firstDeltaAt ?? this.firstVisibleAt));
  }
}
