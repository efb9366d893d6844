/**
 * The `read_thread` tool's view of a Slack thread: the messages older than those the prompt kept. The prompt
 * (src/history/prompt.ts) keeps the newest context lines that fit the history budget; this finds the first
 * message it kept by the same rule and pages backwards from there, so the model never gets a message twice
 * nor misses one in between.
 */
import { formatContextLine } from "../../history/prompt.js";
import type { HistoryMessage } from "../../history/types.js";
import { limitMessageText } from "../../safety/input-limits.js";
import type { OlderMessagesPage, ReadOlder } from "../../tools/read-thread.js";

export interface PromptBudget {
  /** The Answerer's `historyCharBudget`; unknown means "assume nothing fitted" (pages may then overlap the prompt). */
  historyCharBudget?: number;
  /** The Answerer's `maxMessageChars`, when it cuts long messages before the budget is applied. */
  maxMessageChars?: number;
}

/**
 * Index in `history` of the oldest message the prompt kept as context (`history.length - 1`, the answered
 * message, when it kept none). Mirrors formatPromptWithHistory: newest lines first, each costing its length
 * plus a newline, and a newest line too long for the budget is still kept (cut) when the budget exceeds 40.
 */
export function firstMessageInPrompt(history: readonly HistoryMessage[], budget: PromptBudget): number {
  const answered = history.length - 1;
  if (answered <= 0 || budget.historyCharBudget === undefined) return Math.max(0, answered);
  const limit = Math.max(0, budget.historyCharBudget);
  let first = answered;
  let used = 0;
  let kept = 0;
  for (let i = answered - 1; i >= 0; i--) {
    const message = history[i]!;
    const text = budget.maxMessageChars ? limitMessageText(message.text, budget.maxMessageChars).text : message.text;
    const line = formatContextLine({ ...message, text });
    if (line === null) continue; // an empty message is invisible either way
    const cost = line.length + 1;
    if (used + cost > limit) {
      if (kept === 0 && limit > 40) first = i;
      break;
    }
    used += cost;
    kept++;
    first = i;
  }
  return first;
}

/**
 * A ReadOlder over `older` (oldest first): each page is the `limit` messages before the cursor, the cursor
 * being an index into `older`; undefined starts just before the prompt's messages.
 */
export function pageOlderMessages(older: readonly HistoryMessage[]): ReadOlder {
  return async (before, limit) => {
    const cursor = before === undefined ? older.length : Number(before);
    const end = Number.isInteger(cursor) ? Math.min(Math.max(0, cursor), older.length) : older.length;
    const start = Math.max(0, end - Math.max(1, Math.floor(limit)));
    const page: OlderMessagesPage = { messages: older.slice(start, end) };
    if (start > 0) page.before = String(start);
    return page;
  };
}

/** The read_thread pages for a turn whose prompt is built from `history` under `budget`. */
export function readOlderThanPrompt(history: readonly HistoryMessage[], budget: PromptBudget): ReadOlder {
  return pageOlderMessages(history.slice(0, firstMessageInPrompt(history, budget)));
}
