/**
 * Lays rendered text out over as many messages as the platform's length limit needs.
 *
 * The split works on the RENDERED text, because that is what the limit counts and what the user sees, and it
 * gives the fidelity guarantee by construction: the chunks, concatenated, are exactly the rendered text. A chunk
 * that ends inside a code fence is shown with the fence closed, and the next one reopens it with the same opening
 * line (so the language tag survives).
 *
 * Splits prefer, in order: a paragraph break or the edge of a code block, a line break, a space, any character
 * (never inside a grapheme cluster: an emoji sequence or a letter with its marks stays whole). Fences are read
 * by CommonMark's rules (fences.ts), so a "```" line inside a "````" block is code, not the block's end.
 * Chunks laid out earlier (`keep`) are kept as long as the text still starts with them (and still ends on a
 * cluster boundary), so a message that was continued does not move while the answer streams.
 */
import { FenceTracker, type FenceOpening } from "./fences.js";
import { boundariesBetween, clusterLengthAt, isGraphemeBoundary } from "./graphemes.js";

export interface Chunk {
  /** The slice of the rendered text this message carries. */
  text: string;
  /** The fence this chunk starts inside (reopened at its top). */
  reopen?: FenceOpening;
  /** The fence this chunk ends inside (closed at its bottom). */
  close?: FenceOpening;
}

/** What the message for `chunk` shows. */
export function messageText(chunk: Chunk): string {
  const top = chunk.reopen ? `${chunk.reopen.line.trimStart()}\n` : "";
  const bottom = chunk.close ? `${chunk.text.endsWith("\n") ? "" : "\n"}${chunk.close.marker}` : "";
  return top + chunk.text + bottom;
}

interface LineInfo {
  start: number;
  /** Index just past the line's "\n" (or the text's end). */
  end: number;
  /** The fence open at the line's start. */
  fenceBefore?: FenceOpening;
  /** Whether the line opens or closes a fence (never split inside it). */
  isFenceLine: boolean;
  blank: boolean;
}

function scanLines(text: string): LineInfo[] {
  const lines: LineInfo[] = [];
  const fences = new FenceTracker();
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(start, nl < 0 ? text.length : nl);
    const { before, isFenceLine } = fences.next(line);
    lines.push({ start, end, fenceBefore: before, isFenceLine, blank: line.trim() === "" });
    start = end;
  }
  return lines;
}

/** Split classes, best first. */
const PARAGRAPH = 3;
const LINE = 2;
const WORD = 1;
const ANY = 0;

export function layout(rendered: string, limit: number, keep: readonly string[] = []): Chunk[] {
  const max = Math.max(1, Math.floor(limit));
  const lines = scanLines(rendered);
  // The fence open at any offset (offsets at line starts; inside a fence line nothing is split).
  const lineAt = (offset: number): LineInfo | undefined => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const l = lines[mid]!;
      if (offset < l.start) hi = mid - 1;
      else if (offset >= l.end) lo = mid + 1;
      else return l;
    }
    return undefined;
  };
  // Only ever asked about offsets inside the text (a chunk never starts or ends after its last character).
  const fenceAt = (offset: number): FenceOpening | undefined => lineAt(offset)?.fenceBefore;

  const chunks: Chunk[] = [];
  let offset = 0;
  for (const kept of keep) {
    if (kept.length === 0 || !rendered.startsWith(kept, offset)) break;
    const end = offset + kept.length;
    // A kept chunk must not leave only whitespace behind it (that could not be a message of its own).
    if (end < rendered.length && end >= rendered.trimEnd().length) break;
    if (end !== rendered.length && !isSplitPoint(rendered, end, lineAt)) break;
    chunks.push(makeChunk(rendered, offset, end, fenceAt));
    offset = end;
  }

  while (offset < rendered.length) {
    const whole = makeChunk(rendered, offset, rendered.length, fenceAt);
    if (messageText(whole).length <= max) {
      chunks.push(whole);
      break;
    }
    const end = chooseEnd(rendered, offset, max, lineAt, fenceAt);
    chunks.push(makeChunk(rendered, offset, end, fenceAt));
    offset = end;
  }
  return chunks;
}

function makeChunk(
  text: string,
  start: number,
  end: number,
  fenceAt: (o: number) => FenceOpening | undefined,
): Chunk {
  const chunk: Chunk = { text: text.slice(start, end) };
  const reopen = fenceAt(start);
  const close = end < text.length ? fenceAt(end) : undefined;
  if (reopen) chunk.reopen = reopen;
  if (close) chunk.close = close;
  return chunk;
}

function isSplitPoint(text: string, offset: number, lineAt: (o: number) => LineInfo | undefined): boolean {
  const line = lineAt(offset);
  if (!line) return true;
  if (offset === line.start) return true;
  return !line.isFenceLine && isGraphemeBoundary(text, offset);
}

/** Whether a message starting at `end` can hold its first visible cluster, whitespace and reopened fence before it. */
function leavesRoomAfter(text: string, end: number, max: number, fenceAt: (o: number) => FenceOpening | undefined): boolean {
  let visible = end;
  while (visible < text.length && /\s/.test(text[visible]!)) visible++;
  if (visible >= text.length) return true;
  const reopen = fenceAt(end);
  const top = reopen ? reopen.line.trimStart().length + 1 : 0;
  return top + (visible - end) + clusterLengthAt(text, visible, max) <= max;
}

function splitClass(
  text: string,
  offset: number,
  line: LineInfo | undefined,
  prevLine: LineInfo | undefined,
  startsCluster: boolean,
): number {
  if (!line || offset === line.start) {
    if (!line || !prevLine) return PARAGRAPH;
    const prevOpensFence = prevLine.isFenceLine && !prevLine.fenceBefore;
    const closesFence = line.isFenceLine && line.fenceBefore !== undefined;
    // Right after an opening or right before a closing line would leave an empty code block behind.
    if (prevOpensFence || closesFence) return ANY;
    const opensFence = line.isFenceLine;
    const prevClosesFence = prevLine.isFenceLine && prevLine.fenceBefore !== undefined;
    if (line.blank || prevLine.blank || opensFence || prevClosesFence) return PARAGRAPH;
    return LINE;
  }
  if (line.isFenceLine) return -1;
  if (!startsCluster) return -1;
  const before = text[offset - 1];
  return before === " " || before === "\t" ? WORD : ANY;
}

/**
 * The end of the next chunk starting at `start`: the best class of split point that still leaves the chunk
 * reasonably full (at least a third of the room), and the furthest point of that class; failing that, the
 * furthest split of any class. A split after which the next message could not hold its first visible cluster
 * with the whitespace before it is passed over while another exists: that message would have to cut the cluster.
 */
function chooseEnd(
  text: string,
  start: number,
  max: number,
  lineAt: (o: number) => LineInfo | undefined,
  fenceAt: (o: number) => FenceOpening | undefined,
): number {
  const reopen = fenceAt(start);
  const top = reopen ? reopen.line.trimStart().length + 1 : 0;
  // The splits that fit, by class, furthest last.
  const fits: number[][] = [[], [], [], []];
  const hardLimit = Math.min(text.length - 1, start + max);
  // Both sides of a split must carry something visible.
  const lastVisible = text.trimEnd().length - 1;
  // Cluster starts from `start` (itself one: the text's start or a cut chosen earlier) to the furthest cut.
  const clusters = boundariesBetween(text, start, hardLimit);
  let firstVisible = start;
  while (firstVisible < text.length && /\s/.test(text[firstVisible]!)) firstVisible++;
  for (let end = Math.max(start + 1, firstVisible + 1); end <= Math.min(hardLimit, lastVisible); end++) {
    const line = lineAt(end);
    const prev = line ? lineAt(line.start - 1) : undefined;
    const cls = splitClass(text, end, line, line && end === line.start ? prev : undefined, clusters[end - start] === 1);
    if (cls < 0) continue;
    const close = fenceAt(end);
    const bottom = close ? close.marker.length + (text[end - 1] === "\n" ? 0 : 1) : 0;
    if (top + (end - start) + bottom > max) continue;
    fits[cls]!.push(end);
  }
  const room = max - top;
  const pick = (): number | undefined => {
    for (let cls = PARAGRAPH; cls > ANY; cls--) {
      const end = fits[cls]!.at(-1);
      if (end !== undefined && end - start >= room / 3) return end;
    }
    // No good split leaves the chunk a third full: the furthest split of any class (a space further on than
    // the last "any character" point carries more, and leaves less whitespace to the next message).
    const furthest = Math.max(-1, ...fits.map((ends) => ends.at(-1) ?? -1));
    return furthest > start ? furthest : undefined;
  };
  const first = pick();
  for (let end = first; end !== undefined; end = pick()) {
    if (leavesRoomAfter(text, end, max, fenceAt)) return end;
    fits.find((ends) => ends.at(-1) === end)!.pop();
  }
  // Every split leaves the next message too little room: a cluster is cut further on whichever is taken.
  if (first !== undefined) return first;
  // Still nothing: the room holds no cluster boundary with something visible on both sides (one cluster longer
  // than a message, or a cluster with only whitespace around it). A blank message would be refused by the
  // platform, so a cluster is cut rather than that; never mid code point.
  const furthest = Math.min(text.length, start + max);
  // The last visible code point stays for the next chunk (its start, not its low surrogate).
  const visibleCut = Math.min(furthest, isLowSurrogate(text.charCodeAt(lastVisible)) ? lastVisible - 1 : lastVisible);
  const insideFenceLine = (end: number) => {
    const line = lineAt(end);
    return line !== undefined && end !== line.start && line.isFenceLine;
  };
  for (let end = visibleCut; end > firstVisible; end--) {
    if (clusters[end - start] === 1 && !insideFenceLine(end)) return end;
  }
  for (let end = visibleCut; end > firstVisible; end--) {
    if (!isLowSurrogate(text.charCodeAt(end)) && !insideFenceLine(end)) return end;
  }
  let end = furthest;
  if (isLowSurrogate(text.charCodeAt(end)) && end - 1 > start) end--;
  return end;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
