import { newestThatFit } from "./fit.js";
import { formatContextLine, formatNewMessage } from "./prompt-lines.js";
import type { HistoryMessage } from "./types.js";

export { formatContextLine } from "./prompt-lines.js";

export interface PromptOptions {
  /**
   * Most characters of earlier conversation to include as context. The newest messages are kept; the model is
   * told how many older ones were left out. The message being answered is never cut here.
   */
  contextCharBudget: number;
}

const DEFAULT_OPTIONS: PromptOptions = { contextCharBudget: 24_000 };

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

  const budget = Math.max(0, options.contextCharBudget);
  const { first, cutNewest } = newestThatFit(lines.map((line) => line.length + 1), budget);
  // A single huge newest message would otherwise leave no context at all: keep its start.
  const kept = cutNewest ? [`${lines[first]!.slice(0, budget - 2)}…`] : lines.slice(first);
  const omitted = lines.length - kept.length;
  if (omitted > 0) {
    kept.unshift(`[${omitted} earlier message(s) in this conversation were left out]`);
  }
  return `\n${kept.join("\n")}\n\n\n${newMessage}`;
}
