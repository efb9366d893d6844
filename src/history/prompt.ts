import type { HistoryMessage } from "./types.js";

export interface PromptOptions {
  /**
   * Most characters of earlier conversation to include as context. The newest messages are kept; the model is
   * told how many older ones were left out. The message being answered is never cut here.
   */
  contextCharBudget: number;
}

const DEFAULT_OPTIONS: PromptOptions = { contextCharBudget: 24_000 };

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

function formatNewMessage(message: HistoryMessage): string {
  const content = withImages(message.text.trim(), message.imageCount);
  const speaker = speakerLabel(message);
  return speaker && content ? `${speaker}: ${content}` : content;
}

/** Keeps the newest lines that fit in `budget` characters; returns them oldest first and how many were dropped. */
function newestWithinBudget(lines: string[], budget: number): { kept: string[]; omitted: number } {
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const cost = line.length + 1;
    if (used + cost > budget) {
      // A single huge newest message would otherwise leave no context at all: keep its end.
      if (kept.length === 0 && budget > 40) kept.push(`${line.slice(0, budget - 2)}…`);
      break;
    }
    kept.push(line);
    used += cost;
  }
  kept.reverse();
  return { kept, omitted: lines.length - kept.length };
}

/**
 * Turns a conversation into one prompt, as the reference runtime does: every message but the last becomes a
 * context line, empty ones are skipped, and the context is joined to the new message with `\n` before and
 * `\n\n\n` after. Improved over the reference: user lines name their speaker, and the context is kept within a
 * character budget (newest first) with a note saying how many older messages were left out.
 */
export function formatPromptWithHistory(
  history: readonly HistoryMessage[],
  options: PromptOptions = DEFAULT_OPTIONS,
): string {
  const last = history.at(-1);
  if (!last) return "";
  const newMessage = formatNewMessage(last);
  const lines = history
    .slice(0, -1)
    .map(formatContextLine)
    .filter((line): line is string => line !== null);
  if (lines.length === 0) return newMessage;

  const { kept, omitted } = newestWithinBudget(lines, Math.max(0, options.contextCharBudget));
  if (omitted > 0) {
    kept.unshift(`[${omitted} earlier message(s) in this conversation were left out]`);
  }
  return `\n${kept.join("\n")}\n\n\n${newMessage}`;
}
