/**
 * Code fence lines, read the way chat platforms read them: a line starting (after any indentation) with three
 * or more backticks or tildes opens a block; a line of only the same character, at least as many, closes it.
 */

export interface FenceOpening {
  /** The opening line as written, without trailing whitespace (kept to reopen the block with its language). */
  line: string;
  /** The run of fence characters, e.g. "```"; a closing line needs at least this many of the same character. */
  marker: string;
}

const OPENING = /^\s*(`{3,}|~{3,})(.*)$/;

export function fenceOpening(line: string): FenceOpening | undefined {
  const match = OPENING.exec(line);
  if (!match) return undefined;
  const marker = match[1]!;
  // A backtick fence's info string cannot contain backticks (CommonMark); "```a```" is inline code.
  if (marker[0] === "`" && match[2]!.includes("`")) return undefined;
  return { line: line.trimEnd(), marker };
}

export function isFenceClosing(line: string, opening: FenceOpening): boolean {
  const trimmed = line.trim();
  const char = opening.marker[0]!;
  return trimmed.length >= opening.marker.length && [...trimmed].every((c) => c === char);
}

/** The fence still open at the end of `text`, if any. */
export function openFenceAtEnd(text: string): FenceOpening | undefined {
  let fence: FenceOpening | undefined;
  for (const line of text.split("\n")) {
    if (fence) {
      if (isFenceClosing(line, fence)) fence = undefined;
    } else {
      fence = fenceOpening(line);
    }
  }
  return fence;
}

/** Closes the fence left open at the end of `text` (the same marker), so a partial code block displays as one. */
export function closeOpenFence(text: string): string {
  const fence = openFenceAtEnd(text);
  if (!fence) return text;
  return `${text}${text.endsWith("\n") ? "" : "\n"}${fence.marker.trim()}`;
}
