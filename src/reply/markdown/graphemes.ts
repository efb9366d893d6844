/**
 * Where text may be cut without breaking a character as the reader sees it (a grapheme cluster: an emoji joined
 * with ZWJ, a flag, a letter with its combining marks), by Unicode's rules as `Intl.Segmenter` implements them.
 * Only a window around the cut is segmented: a long answer is laid out again on every streamed edit.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Flags for the offsets `from`..`to` of `text` (index 0 is `from`): 1 where a cluster starts. `from` must be a
 * boundary itself (the start of the text, or of a chunk chosen earlier).
 */
export function boundariesBetween(text: string, from: number, to: number): Uint8Array {
  const flags = new Uint8Array(Math.max(0, to - from + 1));
  // Whether `to` starts a cluster depends on the code point at `to` (up to two code units) and what precedes it.
  const end = Math.min(text.length, to + 2);
  for (const { index } of segmenter.segment(text.slice(from, end))) {
    if (index <= to - from) flags[index] = 1;
  }
  if (end === text.length && text.length - from < flags.length) flags[text.length - from] = 1;
  return flags;
}

/** Whether `offset` is between two grapheme clusters of `text` (its ends always are). */
export function isGraphemeBoundary(text: string, offset: number): boolean {
  if (offset <= 0 || offset >= text.length) return true;
  const from = anchorBefore(text, offset);
  return boundariesBetween(text, from, offset)[offset - from] === 1;
}

/** The length of the cluster starting at `offset` (a boundary); one longer than `cap` is measured only past it. */
export function clusterLengthAt(text: string, offset: number, cap: number): number {
  const first = segmenter.segment(text.slice(offset, offset + cap + 1))[Symbol.iterator]().next();
  return first.done ? 0 : first.value.segment.length;
}

/** How far back to look for a point known to be a boundary before segmenting from the text's start. */
const ANCHOR_SEARCH = 512;

/**
 * A boundary at or before `offset` found without segmenting: after a line feed (Unicode always breaks there), or
 * between two printable ASCII characters (no rule joins those).
 */
function anchorBefore(text: string, offset: number): number {
  for (let p = offset; p > 0 && offset - p < ANCHOR_SEARCH; p--) {
    if (text[p - 1] === "\n" || (isPrintableAscii(text.charCodeAt(p - 1)) && isPrintableAscii(text.charCodeAt(p)))) return p;
  }
  return 0;
}

function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code < 0x7f;
}
