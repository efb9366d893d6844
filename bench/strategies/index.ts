/** The reply strategies the benchmark compares: the product's own, and the ones other bots use. */
import { streamAnswer } from "../../src/reply/native-stream-reply.js";
import { chatSdkReply, type ChatSdkThread } from "./chat-sdk-stream.js";
import { fixedTimerReply } from "./fixed-timer.js";
import { flushIntoMessages } from "./flush-messages.js";
import type { ReplyStrategy } from "../../src/reply/stream-reply.js";

export type { ReplyStrategy } from "../../src/reply/stream-reply.js";
export { chatSdkReply, type ChatSdkThread } from "./chat-sdk-stream.js";
export { fixedTimerReply } from "./fixed-timer.js";
export { flushIntoMessages } from "./flush-messages.js";

/**
 * - ours: the product as users run it (the Answerer's default streamer; on Slack native streaming where it
 *   prefers it, SLACK_NATIVE_STREAMING's default).
 * - ours-edits: the same with SLACK_NATIVE_STREAMING off: post + chat.update only (Slack only).
 * - chat-sdk: the Chat SDK's native streaming (chat-sdk-stream.ts; Slack only).
 * - timer-500ms, timer-1s, flush-2s: the common editing bots (fixed-timer.ts, flush-messages.ts).
 */
export const STRATEGY_NAMES = ["ours", "ours-edits", "chat-sdk", "timer-500ms", "timer-1s", "flush-2s"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Strategies that only exist on Slack (native streaming on or off, Slack's own streaming API). */
export const SLACK_ONLY: readonly string[] = ["ours-edits", "chat-sdk"];

/** How the bot's Slack adapter is set up for a strategy (the product's defaults otherwise). */
export function slackAdapterOptions(name: string): { nativeStreaming?: boolean; statusLine?: boolean } {
  if (name === "ours-edits") return { nativeStreaming: false };
  // The peer replaces the whole reply path: no status line of ours in its threads either.
  if (name === "chat-sdk") return { statusLine: false };
  return {};
}

/**
 * A strategy by its benchmark name; a name it does not know is a clear error. `chat-sdk` streams to one Slack
 * thread through the workspace's WebClient, so it needs `thread`.
 */
export function replyStrategy(name: string, thread?: ChatSdkThread): ReplyStrategy {
  switch (name) {
    case "ours":
    case "ours-edits":
      return streamAnswer;
    case "chat-sdk":
      if (!thread) throw new Error('The "chat-sdk" strategy streams into one Slack thread: give it the thread.');
      return chatSdkReply(thread);
    case "timer-500ms":
      return fixedTimerReply(500);
    case "timer-1s":
      return fixedTimerReply(1000);
    case "flush-2s":
      return flushIntoMessages(2000);
    default:
      throw new Error(`Unknown reply strategy "${name}"; use one of ${STRATEGY_NAMES.join(", ")}.`);
  }
}
