/**
 * Makes a partial answer look right while it streams: what is not yet readable is held back, and what is open is
 * closed for display only. The final edit never goes through here; it shows the answer's own text.
 */
import remend from "remend";
import { closeOpenFence, fenceOpening, isFenceClosing, type FenceOpening } from "./fences.js";

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
  let fence: FenceOpening | undefined;
  let blockStart = -1;
  for (let i = 0; i < complete.length; i++) {
    const line = complete[i]!;
    if (fence) {
      if (isFenceClosing(line, fence)) fence = undefined;
      blockStart = -1;
      continue;
    }
    const opening = fenceOpening(line);
    if (opening) {
      fence = opening;
      blockStart = -1;
      continue;
    }
    if (isTableRowStart(line)) {
      if (blockStart < 0) blockStart = i;
    } else {
      blockStart = -1;
    }
  }
  if (fence || blockStart < 0) return text;
  const block = complete.slice(blockStart);
  const confirmed = block.length >= 2 && TABLE_DELIMITER_ROW.test(block[1]!);
  const notATable = (block.length >= 2 && !confirmed) || (block.length === 1 && partial.trim() !== "");
  if (confirmed || notATable) return text;
  // Only the header so far: wait for the delimiter row.
  return complete.slice(0, blockStart).map((l) => `${l}\n`).join("");
}

/** Closes what a partial answer left open (emphasis, inline code, links, a code fence), for display. */
export function healPartial(markdown: string): string {
  const healed = remend(markdown, {
    linkMode: "text-only",
    // Chat platforms do not render these, and their escapes would show as stray backslashes in Slack.
    katex: false,
    inlineKatex: false,
    singleTilde: false,
    comparisonOperators: false,
  });
  return closeOpenFence(healed);
}
