/**
 * Where one Slack answer appears: a thread reply that grows by `chat.update`, continued in new thread replies.
 * chat.update draws from the workspace's budget (Slack: ~50/min shared by every thread); every post also waits
 * for the channel's posting budget (~1/s). A 429 becomes RateLimitedError so the streamer pauses and resends;
 * Slack's passing trouble becomes TransientPlatformError so the streamer tries again (reply-errors.ts).
 */
import type { webApi } from "@slack/bolt";

type WebClient = webApi.WebClient;
import {
  RateLimitedError,
  type EditBudget,
  type MessageControls,
  type MessageRef,
  type NativeStreaming,
  type ReplyTarget,
  type StatusLine,
  type UploadedFile,
  withBudget,
} from "../../reply/target.js";
import { answerBlocks } from "./answer-controls.js";
import { markdownToMrkdwn } from "./markdown.js";
import { toReplyError } from "./reply-errors.js";
import { uploadToThread, type FileUploadClient } from "./file-upload.js";

/** Below Slack's practical ~4,000-character msg_too_long, with room for a reopened code fence. */
export const SLACK_MAX_MESSAGE_LENGTH = 3_900;

export interface SlackReplyTargetOptions {
  /** A WebClient with `rejectRateLimitedCalls: true`: this target, not the client, decides when to retry. */
  client: Pick<WebClient, "chat"> & Partial<FileUploadClient>;
  channel: string;
  threadTs: string;
  /** The workspace's chat.update budget. */
  budget: EditBudget;
  /** The channel's chat.postMessage budget. */
  postBudget: EditBudget;
  maxMessageLength?: number;
  /** Told the ts of every message this target posts (the adapter remembers its replies for stop reactions). */
  onPosted?: (ts: string) => Promise<void>;
  /** Slack's native streaming for this answer (native-stream.ts), where Slack allows it. */
  nativeStream?: NativeStreaming;
  /** The thread's assistant status line (status-line.ts). */
  statusLine?: StatusLine;
  /**
   * The answer's buttons (answer-controls.ts): Stop while it streams, 👍/👎 on its last message at the end. Set for
   * answers only (not for a refusal or a notice); `askerUserId` is whom the Stop button answers to.
   */
  controls?: { askerUserId: string | undefined; onAnswerEnded?: () => Promise<void> };
  /**
   * A target reopened after a crash: a message may be a native stream the dead process left open, which Slack
   * will not let chat.update touch until it lapses (~5 minutes). Each edit first stops it (chat.stopStream, on this
   * budget); a message that is no stream just says so (`message_not_in_streaming_state`), which is ignored.
   */
  closeStreamsBudget?: EditBudget;
}

export class SlackReplyTarget implements ReplyTarget {
  readonly maxMessageLength: number;
  readonly budget: EditBudget;
  /** Posts wait for the channel's own budget (chat.postMessage), not the workspace's chat.update budget. */
  readonly postUsesBudget = false;
  readonly nativeStream?: NativeStreaming;
  readonly statusLine?: StatusLine;
  readonly controls: boolean;

  constructor(private readonly options: SlackReplyTargetOptions) {
    this.maxMessageLength = options.maxMessageLength ?? SLACK_MAX_MESSAGE_LENGTH;
    this.budget = options.budget;
    this.controls = options.controls !== undefined;
    if (options.nativeStream) this.nativeStream = options.nativeStream;
    if (options.statusLine) this.statusLine = options.statusLine;
  }

  render(markdown: string): string {
    return markdownToMrkdwn(markdown);
  }

  async post(text: string, controls?: MessageControls): Promise<MessageRef> {
    const blocks = this.blocks(text, controls);
    const callDone = await this.options.postBudget.take();
    try {
      const response = await this.options.client.chat.postMessage({
        channel: this.options.channel,
        thread_ts: this.options.threadTs,
        text,
        ...(blocks?.length ? { blocks } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      if (!response.ts) throw new Error("Slack accepted the message but returned no ts.");
      // The message is out: bookkeeping that fails must not make the streamer post it again.
      await this.options.onPosted?.(response.ts).catch(() => undefined);
      if (controls === "feedback") await this.answerEnded();
      return { id: response.ts };
    } catch (error) {
      const mapped = toReplyError(error, "chat.postMessage");
      // The channel's own limit: every reply posting in this channel waits it out, not the whole workspace.
      if (mapped instanceof RateLimitedError) this.options.postBudget.pause(mapped.retryAfterMs);
      throw mapped;
    } finally {
      callDone?.();
    }
  }

  async edit(ref: MessageRef, text: string, controls?: MessageControls): Promise<void> {
    const blocks = this.blocks(text, controls);
    await this.closeStream(ref);
    try {
      await this.options.client.chat.update({ channel: this.options.channel, ts: ref.id, text, ...(blocks ? { blocks } : {}) });
    } catch (error) {
      throw toReplyError(error, "chat.update");
    }
    if (controls === "feedback") await this.answerEnded();
  }

  private async closeStream(ref: MessageRef): Promise<void> {
    const budget = this.options.closeStreamsBudget;
    if (!budget) return;
    await withBudget(budget, () => this.options.client.chat.stopStream({ channel: this.options.channel, ts: ref.id })).catch(
      () => undefined,
    );
  }

  /** The blocks for a message with `controls`; undefined (text only, as before) where the answer has none. */
  private blocks(text: string, controls: MessageControls | undefined) {
    if (!this.options.controls || controls === undefined) return undefined;
    return answerBlocks(text, controls, this.options.controls.askerUserId);
  }

  /** The answer is over (its last message got feedback buttons, or the streamer says so): Stop messages go. */
  async answerEnded(): Promise<void> {
    await this.options.controls?.onAnswerEnded?.().catch(() => undefined);
  }

  /** A long code block's file, shared in the thread after the answer (file-upload.ts). */
  async uploadFile(file: UploadedFile): Promise<void> {
    const { client } = this.options;
    if (!client.filesUploadV2) throw new Error("This Slack client cannot upload files.");
    await uploadToThread({ filesUploadV2: client.filesUploadV2.bind(client) }, this.options.channel, this.options.threadTs, file);
  }

  /** Removes a continuation a retried answer no longer needs (the bot may delete its own messages). */
  async delete(ref: MessageRef): Promise<void> {
    try {
      await this.options.client.chat.delete({ channel: this.options.channel, ts: ref.id });
    } catch (error) {
      const mapped = toReplyError(error, "chat.delete");
      if ((error as { data?: { error?: string } }).data?.error === "message_not_found") return;
      throw mapped;
    }
  }
}
