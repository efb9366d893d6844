/** How one history message reads in the prompt: the speaker named, images counted. */
import type { HistoryMessage } from "./types.js";

/** ` [+2 image(s)]` after text, `[2 image(s)]` alone, nothing without images (the reference's wording). */
function withImages(text: string, imageCount: number): string {
  if (imageCount <= 0) return text;
  return text ? `${text} [+${imageCount} image(s)]` : `[${imageCount} image(s)]`;
}

/** The speaker prefix that lets the model tell people apart; the assistant is always itself. */
function speakerLabel(message: HistoryMessage): string {
  if (message.role === "assistant" || !message.speaker) return "";
  return message.isBot ? `${message.speaker} (bot)` : message.speaker;
}

/** One context line: `[assistant]: text` or `[user] Alice: text`; null for a message with nothing in it. */
export function formatContextLine(message: HistoryMessage): string | null {
  const content = withImages(message.text.trim(), message.imageCount);
  if (!content) return null;
  const speaker = speakerLabel(message);
  return speaker ? `[${message.role}] ${speaker}: ${content}` : `[${message.role}]: ${content}`;
}

export function formatNewMessage(message: HistoryMessage): string {
  const content = withImages(message.text.trim(), message.imageCount);
  const speaker = speakerLabel(message);
  return speaker && content ? `${speaker}: ${content}` : content;
}

