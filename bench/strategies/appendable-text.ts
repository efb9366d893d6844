/**
 * How much of a streaming Markdown answer the Chat SDK hands to Slack's append-only stream at a given moment, by
 * the rules of its `StreamingMarkdownRenderer.getCommittableText()` (vercel/chat, packages/chat/src/
 * streaming-markdown.ts, read at commit c4f709f; written here from those rules, none of its code copied):
 * - only whole lines: the line still being written is held back, except inside an open code fence, where text is
 *   literal and every character may go;
 * - trailing lines that look like table rows (`| … |`) wait until a separator row (`|---|`) confirms the table;
 * - unclosed inline markers (`*`, `~`, `` ` ``, `[`) at the end are held back: the text is cut before the last
 *   opening run that `remend` would have to close;
 * - once the answer is finished, all of it.
 * For Slack the adapter turns off the renderer's table wrapping (`wrapTablesForAppend: false`), so none here.
 */
import remend from "remend";

const FENCE = /^\s*(`{3,}|~{3,})/;
const TABLE_ROW = /^\|.*\|$/;
const TABLE_SEPARATOR = /^\|[\s:]*-+[\s:]*(\|[\s:]*-+[\s:]*)*\|$/;
const INLINE_OPENERS = new Set(["*", "~", "`", "["]);

/** The prefix of `text` the Chat SDK would have committed to an append-only stream by now. */
export function appendableText(text: string, finished: boolean): string {
  if (finished) return text;
  const lastBreak = text.lastIndexOf("\n") + 1;
  const wholeLines = text.slice(0, lastBreak);
  // Inside an open fence the partial line is literal (often the closing fence being typed): it may go.
  if (endsInsideFence(wholeLines)) return text;
  const confirmed = withoutUnconfirmedTable(wholeLines);
  return endsInsideFence(confirmed) ? confirmed : balancedPrefix(confirmed);
}

function endsInsideFence(text: string): boolean {
  let inside = false;
  for (const line of text.split("\n")) if (FENCE.test(line)) inside = !inside;
  return inside;
}

/** Whole lines without the trailing run of table-like rows that no separator row has confirmed yet. */
function withoutUnconfirmedTable(wholeLines: string): string {
  const lines = wholeLines.split("\n");
  lines.pop(); // the empty piece after the last "\n"
  let held = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (TABLE_SEPARATOR.test(line)) return wholeLines;
    if (!TABLE_ROW.test(line)) break; // an empty or ordinary line ends the run
    held++;
  }
  if (held === 0) return wholeLines;
  const kept = lines.slice(0, lines.length - held);
  return kept.length > 0 ? `${kept.join("\n")}\n` : "";
}

/** The longest prefix whose inline markers are all closed (remend adds nothing to it). */
function balancedPrefix(text: string): string {
  const clean = (t: string) => remend(t).length <= t.length;
  if (text === "" || clean(text)) return text;
  for (let i = text.length - 1; i >= 0; i--) {
    if (!INLINE_OPENERS.has(text[i]!)) continue;
    while (i > 0 && text[i - 1] === text[i]) i--;
    const candidate = text.slice(0, i);
    if (clean(candidate)) return candidate;
  }
  return "";
}
