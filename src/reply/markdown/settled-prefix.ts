/**
 * The part of a streaming answer that an append-only stream may show: whole lines only, never a code block that
 * is still open, never a table whose delimiter row has not come. Text that is appended cannot be taken back, so
 * nothing that the next words could still change (an open fence, a half line whose emphasis is not closed yet)
 * goes out, and healing (partial-markdown.ts closes open constructs for display) is never needed here.
 */
import { FenceTracker } from "./fences.js";
import { displayablePrefix } from "./partial-markdown.js";

export function settledPrefix(markdown: string): string {
  const lastBreak = markdown.lastIndexOf("\n");
  if (lastBreak < 0) return "";
  // displayablePrefix holds back a table still waiting for its delimiter row.
  const lines = displayablePrefix(markdown.slice(0, lastBreak + 1));
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
  return openedAt >= 0 ? lines.slice(0, openedAt) : lines;
}
