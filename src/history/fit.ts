/**
 * How much history fits the prompt: decided here, once. The prompt (prompt.ts) keeps the newest context lines
 * that fit the history budget; adapters read as much as this says a message costs (Discord reads back until the
 * budget overflows); and the `read_thread` tool pages from the first message the prompt left out, so the model
 * never gets a message twice nor misses one in between.
 */
import { cutMessage } from "./message-cut.js";
import { formatContextLine } from "./prompt-lines.js";
import type { HistoryMessage } from "./types.js";
import type { OlderMessagesPage, ReadOlder } from "../tools/read-thread.js";

export interface HistoryBudget {
  /** HISTORY_CHAR_BUDGET; unknown means "assume nothing fitted" (pages may then overlap the prompt). */
  historyCharBudget?: number;
  /** MAX_MESSAGE_CHARS: long messages are cut before the budget applies. */
  maxMessageChars?: number;
}

/** What one earlier message costs in the history budget: its context line (after the cut) and a newline; 0 when invisible. */
export function contextCost(message: HistoryMessage, maxMessageChars?: number): number {
  const line = formatContextLine(cutMessage(message, maxMessageChars));
  return line === null ? 0 : line.length + 1;
}

/**
 * The rule: newest first, each entry costing what `costs` says (0: invisible, skipped), until the budget is spent.
 * A newest entry too long for a budget over 40 characters is still kept, cut (`cutNewest`), so a single huge
 * message does not leave the model without context. `first` is the oldest entry kept (`costs.length`: none).
 */
export function newestThatFit(costs: readonly number[], budget: number): { first: number; cutNewest: boolean } {
  const limit = Math.max(0, budget);
  let first = costs.length;
  let used = 0;
  let kept = 0;
  for (let i = costs.length - 1; i >= 0; i--) {
    const cost = costs[i]!;
    if (cost === 0) continue;
    if (used + cost > limit) {
      if (kept === 0 && limit > 40) return { first: i, cutNewest: true };
      break;
    }
    used += cost;
    kept++;
    first = i;
  }
  return { first, cutNewest: false };
}

/** Index in `history` of the oldest message the prompt keeps as context (`history.length - 1`, the answered message, when none). */
export function firstMessageInPrompt(history: readonly HistoryMessage[], budget: HistoryBudget): number {
  const answered = history.length - 1;
  if (answered <= 0 || budget.historyCharBudget === undefined) return Math.max(0, answered);
  const costs = history.slice(0, answered).map((message) => contextCost(message, budget.maxMessageChars));
  return newestThatFit(costs, budget.historyCharBudget).first;
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
export function readOlderThanPrompt(history: readonly HistoryMessage[], budget: HistoryBudget): ReadOlder {
  return pageOlderMessages(history.slice(0, firstMessageInPrompt(history, budget)));
}
