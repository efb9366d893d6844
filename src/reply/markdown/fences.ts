/**
 * Code fence lines, read the way CommonMark reads them:
 * - a fence is a run of three or more backticks, or three or more tildes, indented by at most three spaces
 *   (relative to the list item it sits in: a fence inside "1. " or a nested "  - " item is indented further);
 * - after backticks, the info string ("python") may not contain a backtick ("```a```" is inline code);
 * - a block is closed only by a run of the SAME character at least as long as its opening, with nothing but
 *   spaces or tabs after it, so a "```" line inside a "````" block is content, and "~~~" never closes "```".
 * Every scanner of Markdown in this project (splitting, healing a partial answer, tables, platform rendering)
 * uses these rules, so they agree on where code is.
 */

export interface FenceOpening {
  /** The opening line as written, without trailing whitespace (kept to reopen the block with its language). */
  line: string;
  /** The run of fence characters, e.g. "```"; a closing line needs at least this many of the same character. */
  marker: string;
  /** Column the fence's container (a list item's content, or 0) starts at: its indentation is counted from here. */
  container: number;
}

const FENCE = /^(`{3,}|~{3,})(.*)$/;
/** A list item's marker, and the spaces after it: where the item's content starts. */
const LIST_ITEM = /^([-+*]|\d{1,9}[.)])( {1,4}(?=\S)|[ \t]*$)/;

/** Columns of leading indentation (a tab advances to the next multiple of 4, as CommonMark counts it). */
function indentOf(line: string): { columns: number; chars: number } {
  let columns = 0;
  let chars = 0;
  for (; chars < line.length; chars++) {
    const c = line[chars];
    if (c === " ") columns++;
    else if (c === "\t") columns += 4 - (columns % 4);
    else break;
  }
  return { columns, chars };
}

/** The fence `line` opens, if any, when it sits in a container starting at column `container` (0 at top level). */
export function fenceOpening(line: string, container = 0): FenceOpening | undefined {
  const { columns, chars } = indentOf(line);
  if (columns < container || columns - container > 3) return undefined;
  const match = FENCE.exec(line.slice(chars));
  if (!match) return undefined;
  const marker = match[1]!;
  if (marker[0] === "`" && match[2]!.includes("`")) return undefined;
  return { line: line.trimEnd(), marker, container };
}

export function isFenceClosing(line: string, opening: FenceOpening): boolean {
  const { columns, chars } = indentOf(line);
  if (columns - opening.container > 3) return false;
  const rest = line.slice(chars).replace(/[ \t]+$/, "");
  const char = opening.marker[0]!;
  if (rest.length < opening.marker.length) return false;
  for (const c of rest) if (c !== char) return false;
  return true;
}

export interface FenceLine {
  /** The fence open at the start of this line (the line is inside it, or closes it). */
  before?: FenceOpening;
  /** The fence open after this line. */
  after?: FenceOpening;
  /** Whether this line opens or closes a fence. */
  isFenceLine: boolean;
}

/**
 * Reads Markdown line by line and says where code fences are. It follows list items (only their indentation
 * matters here), so a fence indented under "  - " or "10. " is still a fence, as CommonMark has it.
 */
export class FenceTracker {
  private fence: FenceOpening | undefined;
  /** Content columns of the list items the current line may belong to, outermost first. */
  private readonly lists: number[] = [];

  get open(): FenceOpening | undefined {
    return this.fence;
  }

  next(line: string): FenceLine {
    const before = this.fence;
    if (before) {
      if (isFenceClosing(line, before)) {
        this.fence = undefined;
        return { before, isFenceLine: true };
      }
      return { before, after: before, isFenceLine: false };
    }
    const opening = this.openingOutsideCode(line);
    if (opening) {
      this.fence = opening;
      return { after: opening, isFenceLine: true };
    }
    return { isFenceLine: false };
  }

  private openingOutsideCode(line: string): FenceOpening | undefined {
    if (line.trim() === "") return undefined; // blank lines do not end list items
    const { columns, chars } = indentOf(line);
    // A line indented less than an item's content is no longer in that item (lazy continuations aside).
    while (this.lists.length > 0 && columns < this.lists[this.lists.length - 1]!) this.lists.pop();
    const container = this.lists[this.lists.length - 1] ?? 0;
    if (columns - container <= 3) {
      const item = LIST_ITEM.exec(line.slice(chars));
      if (item) {
        const content = columns + item[1]!.length + Math.max(1, item[2]!.length);
        this.lists.push(content);
        // "- ```js": the item's content may itself open a fence.
        return fenceOpening(" ".repeat(content) + line.slice(chars + item[0]!.length), content);
      }
    }
    return fenceOpening(line, container);
  }
}

/** The fence still open at the end of `text`, if any. */
export function openFenceAtEnd(text: string): FenceOpening | undefined {
  const tracker = new FenceTracker();
  for (const line of text.split("\n")) tracker.next(line);
  return tracker.open;
}

/** Closes the fence left open at the end of `text` (the same marker), so a partial code block displays as one. */
export function closeOpenFence(text: string): string {
  const fence = openFenceAtEnd(text);
  if (!fence) return text;
  return `${text}${text.endsWith("\n") ? "" : "\n"}${fence.marker}`;
}
