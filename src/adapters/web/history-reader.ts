/**
 * A web conversation as the platform-neutral history: the user's messages and the bot's own answers, oldest
 * first, up to the message being answered (messages sent after it wait for the next run).
 */
import type { HistoryMessage } from "../../history/types.js";
import type { WebMessage } from "./conversation-store.js";
import { isStopText } from "./stop-request.js";

/**
 * Empty when `answeredId` is not in the conversation (it expired or was never stored). A "stop" was said to the
 * bot, not to the conversation: the stopped reply already says what happened.
 */
export function toHistory(messages: readonly WebMessage[], answeredId: string): HistoryMessage[] {
  const end = messages.findIndex((m) => m.id === answeredId);
  if (end < 0) return [];
  return messages
    .slice(0, end + 1)
    .filter((m, i) => i === end || m.role !== "user" || !isStopText(m.text))
    .map(toHistoryMessage);
}

export function toHistoryMessage(message: WebMessage): HistoryMessage {
  return {
    role: message.role,
    speaker: message.role === "user" ? "User" : "",
    text: message.text,
    imageCount: (message.attachments ?? []).filter((a) => a.imageType).length,
  };
}
