/**
 * Makes a partial answer look right while it streams: what is not yet readable is held back, and what is open is
 * closed for display only. The final edit never goes through here; it shows the answer's own text.
 */
import remend from "remend";
import { FenceTracker, closeOpenFence } from "./fences.js";

const TABLE_DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * The part of a streaming answer worth showing now: without the trailing half-written word, without a
 * half-written table row, and without table rows whose table is not yet confirmed by its delimiter row.
 */
export function displayablePrefix(markdown: string): string {
  const lastBreak = markdown.lastIndexOf("\n");
  const lastLine = markdown.slice(lastBreak + 1);
  let text: string;
  if (isTableRowStart(lastLine)) {
    text = markdown.slice(0, lastBreak + 1);
  } else {
    // Whole words only: a word appears once the whitespace after it has arrived.
    const cut = Math.max(markdown.lastIndexOf(" "), markdown.lastIndexOf("\t"), lastBreak);
    text = markdown.slice(0, cut + 1);
  }
  return holdBackUnconfirmedTable(text);
}

function isTableRowStart(line: string): boolean {
  return /^ {0,3}\|/.test(line);
}

/** Hides a trailing block of table-looking lines until its second line shows it is a table. */
function holdBackUnconfirmedTable(text: string): string {
  const lines = text.split("\n");
  // `text` ends with "\n" or a partial line; look at complete lines only.
  const complete = lines.slice(0, -1);
  const partial = lines[lines.length - 1]!;
  const fences = new FenceTracker();
  let blockStart = -1;
  for (let i = 0; i < complete.length; i++) {
    const line = complete[i]!;
    const { before, isFenceLine } = fences.next(line);
    if (before || isFenceLine) {
      blockStart = -1;
      continue;
    }
    if (isTableRowStart(line)) {
      if (blockStart < 0) blockStart = i;
    } else {
      blockStart = -1;
    }
  }
  if (fences.open || blockStart < 0) return text;
  const block = complete.slice(blockStart);
  const confirmed = block.length >= 2 && TABLE_DELIMITER_ROW.test(block[1]!);
  const notATable = (block.length >= 2 && !confirmed) || (block.length === 1 && partial.trim() !== "");
  if (confirmed || notATable) return text;
  // Only the header so far: wait for the delimiter row.
  return complete.slice(0, blockStart).map((l) => `${l}\n`).join("");
}

/**
 * Closes what a partial answer left open (emphasis, inline code, links, a code fence), for display. Where code
 * blocks are is decided by this project's fence rules (fences.ts), not remend's: inline Markdown never spans a
 * block, so only the text after the last code block is healed, and an open code block is only closed.
 */
export function healPartial(markdown: string): string {
  const fences = new FenceTracker();
  let afterLastBlock = 0;
  let offset = 0;
  for (const line of markdown.split("\n")) {
    const { before, isFenceLine } = fences.next(line);
    offset += line.length + 1;
    if (before && isFenceLine) afterLastBlock = Math.min(offset, markdown.length);
  }
  if (fences.open) return closeOpenFence(markdown);
  return markdown.slice(0, afterLastBlock) + healInline(markdown.slice(afterLastBlock));
}

function healInline(markdown: string): string {
  return remend(markdown, {
    linkMode: "text-only",
    // Chat platforms do not render these, and their escapes would show as stray backslashes in Slack.
    katex: false,
    inlineKatex: false,
    singleTilde: false,
    comparisonOperators: false,
  });
}
