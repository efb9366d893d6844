/**
 * The one message-length cut: how much of one message's text reaches the model. Longer text is cut at a
 * character limit, and the model and the user are both told. Applied wherever history is costed (src/history/fit.ts).
 */
import type { HistoryMessage } from "./types.js";

export const DEFAULT_MAX_MESSAGE_CHARS = 8_000;

export interface TextLimitResult {
  /** The text to put in the prompt; when cut, it ends with a note for the model. */
  text: string;
  /** Characters left out (0 when the message fitted). */
  omittedChars: number;
  /** A sentence for the user when the message was cut. */
  userNotice?: string;
}

const formatCount = (n: number) => n.toLocaleString("en-US");

/** Cuts `text` to `maxChars` (never inside a surrogate pair) and says so to the model and the user. */
export function limitMessageText(text: string, maxChars: number = DEFAULT_MAX_MESSAGE_CHARS): TextLimitResult {
  if (maxChars <= 0 || text.length <= maxChars) return { text, omittedChars: 0 };
  let cut = maxChars;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1; // keep an emoji whole rather than half of it
  const omittedChars = text.length - cut;
  return {
    text: `${text.slice(0, cut)}\n[message cut: ${formatCount(omittedChars)} characters omitted]`,
    omittedChars,
    userNotice: `Your message was long, so I only read its first ${formatCount(cut)} characters.`,
  };
}

/** `message` as the prompt takes it: its text cut at `maxChars` (no limit when undefined or 0). */
export function cutMessage(message: HistoryMessage, maxChars: number | undefined): HistoryMessage {
  if (!maxChars) return message;
  const limited = limitMessageText(message.text, maxChars);
  return limited.omittedChars === 0 ? message : { ...message, text: limited.text };
}
