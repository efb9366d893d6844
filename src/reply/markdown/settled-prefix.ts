/**
 * The part of a streaming answer that an append-only stream may show. Text that is appended cannot be taken back,
 * so nothing that the next words could still change goes out, and healing (partial-markdown.ts closes open
 * constructs for display) is never needed here:
 * - whole lines, never a code block that is still open, never a table whose delimiter row has not come;
 * - and, of the line being written, its whole words up to the last point where its inline Markdown is closed
 *   (no half-open emphasis, code span or link), so a long paragraph shows word by word instead of waiting for its
 *   line break (at ~50 tokens/s a 400-character paragraph line is ~2 s of words). A line that starts like a fence
 *   or a table row waits for its end: what it is decides how all of it reads.
 * What is settled only grows as the answer grows: a cut at a word boundary that was settled stays settled, since
 * the text before it does not change (only past MAX_CUTS_TRIED open boundaries may it fall short, and the streamer
 * then waits rather than take anything back).
 */
import { FenceTracker } from "./fences.js";
import { displayablePrefix, healPartial } from "./partial-markdown.js";

/** A line that may become a code fence or a table row: its meaning is known only once it is whole. */
const WAITS_FOR_LINE_END = /^ {0,3}[`~|]/;
/** A block marker alone (a bullet, a heading's #, a list number): shown with its first word, not before. */
const MARKER_ONLY = /^\s*([-*+>]|#{1,6}|\d+[.)])$/;
/** How many word boundaries of the open line are tried, newest first, before the line waits for its end. */
const MAX_CUTS_TRIED = 64;

export function settledPrefix(markdown: string): string {
  const lastBreak = markdown.lastIndexOf("\n");
  const whole = markdown.slice(0, lastBreak + 1);
  // displayablePrefix holds back a table still waiting for its delimiter row.
  const lines = displayablePrefix(whole);
  const tracker = new FenceTracker();
  let offset = 0;
  let openedAt = -1;
  for (const line of lines.split("\n").slice(0, -1)) {
    const before = tracker.open;
    tracker.next(line);
    if (!before && tracker.open) openedAt = offset;
    if (!tracker.open) openedAt = -1;
    offset += line.length + 1;
  }
  if (openedAt >= 0) return lines.slice(0, openedAt);
  if (lines.length < whole.length) return lines;
  return lines + settledWords(markdown.slice(lastBreak + 1));
}

/** The longest run of whole words at the start of an unfinished line whose inline Markdown is closed. */
function settledWords(line: string): string {
  if (WAITS_FOR_LINE_END.test(line)) return "";
  let cut = lastWhitespace(line, line.length);
  for (let tried = 0; cut > 0 && tried < MAX_CUTS_TRIED; tried++) {
    const words = line.slice(0, cut);
    // healPartial adds closers to what is open: nothing added means nothing open.
    if (!MARKER_ONLY.test(words) && words.trim() !== "" && healPartial(words) === words) return words;
    cut = lastWhitespace(line, cut);
  }
  return "";
}

/** The index of the last space or tab before `end` that follows a non-space (a word boundary); -1 if none. */
function lastWhitespace(line: string, end: number): number {
  for (let i = end - 1; i > 0; i--) {
    if ((line[i] === " " || line[i] === "\t") && line[i - 1] !== " " && line[i - 1] !== "\t") return i;
  }
  return -1;
}
