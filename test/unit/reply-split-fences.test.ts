/**
 * Laying text over messages when the text is hard: nested, long and tilde fences (read by CommonMark's rules),
 * and grapheme clusters (ZWJ emoji, flags, combining marks) that must never be cut, at every split position.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { layout, messageText, type Chunk } from "../../src/reply/markdown/split.js";
import { CLUSTERS, fencedAnswer, graphemeText } from "./reply-fence-arbitraries.js";
import { fencesBalanced, joinReply, openFence } from "./reply-support.js";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Offsets where a grapheme cluster of `text` starts (and its end). */
function clusterStarts(text: string): Set<number> {
  const starts = new Set<number>([text.length]);
  for (const { index } of segmenter.segment(text)) starts.add(index);
  return starts;
}

/**
 * Every invariant a layout of `text` must keep: the chunks are the text; each message is its chunk plus only the
 * fence lines the split adds, where an independent reading of the fences says a block is open (reopened with its
 * exact opening line, closed with its marker); each message within the limit, not blank, its fences balanced.
 */
function expectGoodLayout(text: string, chunks: Chunk[], limit: number) {
  expect(chunks.map((c) => c.text).join("")).toBe(text);
  let start = 0;
  for (const chunk of chunks) {
    const end = start + chunk.text.length;
    const reopen = openFence(text.slice(0, start));
    const close = end < text.length ? openFence(text.slice(0, end)) : undefined;
    const top = reopen ? `${reopen.line.trimStart()}\n` : "";
    const bottom = close ? `${chunk.text.endsWith("\n") ? "" : "\n"}${close.marker}` : "";
    const message = messageText(chunk);
    expect(message).toBe(top + chunk.text + bottom);
    expect(message.length).toBeLessThanOrEqual(limit);
    expect(message.trim()).not.toBe("");
    expect(fencesBalanced(message)).toBe(true);
    start = end;
  }
}

/**
 * Whether `text` (no fences) can be laid out at `limit` without cutting a cluster: each message within the limit
 * and not blank. Not always: two long clusters with more whitespace between them than either message has room
 * for leave only a blank message, one over the limit, or a cut cluster (the splitter cuts the cluster then).
 */
function cutFreeLayoutExists(text: string, limit: number): boolean {
  const starts = [...clusterStarts(text)].sort((a, b) => a - b);
  const reachable = new Set<number>([0]);
  for (const i of starts) {
    if (!reachable.has(i)) continue;
    for (const j of starts) if (j > i && j - i <= limit && text.slice(i, j).trim() !== "") reachable.add(j);
  }
  return reachable.has(text.length);
}

function cutsOf(chunks: Chunk[]): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const c of chunks.slice(0, -1)) {
    at += c.text.length;
    cuts.push(at);
  }
  return cuts;
}

describe("layout with nested, long and tilde fences", () => {
  it("every message within the limit with balanced fences; joined (minus added fence lines), the input", () => {
    fc.assert(
      fc.property(fencedAnswer, fc.integer({ min: 60, max: 1200 }), (text, limit) => {
        expectGoodLayout(text, layout(text, limit), limit);
      }),
      { numRuns: 500 },
    );
  });

  it("a 4-backtick block around a 3-backtick one: no stray fence ends message 1, no code block around the prose after", () => {
    const inner = `\`\`\`js\n${Array.from({ length: 12 }, (_, i) => `step${i}();`).join("\n")}\n\`\`\``;
    const block = `\`\`\`\`md\n${inner}\n\`\`\`\``;
    const text = `Here is the README section:\n\n${block}\n\nThat is all you need; the prose after the block is long enough to be split off.`;
    // Room for the block but not the prose: the split falls right after the block.
    const messages = layout(text, block.length + 40).map(messageText);
    expect(joinReply(messages)).toBe(text);
    expect(messages.length).toBe(2);
    // Message 1 is the intro and the whole block, ending on the block's own closing line, nothing added.
    expect(messages[0]).toBe(`Here is the README section:\n\n${block}\n\n`);
    expect(messages[1]).toBe("That is all you need; the prose after the block is long enough to be split off.");
    // Split inside the outer block: closed and reopened with the 4-backtick marker and its info string.
    const inside = layout(text, 90).map(messageText);
    expectGoodLayout(text, layout(text, 90), 90);
    for (const m of inside.slice(1, -1)) expect(m.startsWith("````md\n") || !m.includes("```")).toBe(true);
    expect(inside.at(-1)).toContain("the prose after the block");
    expect(inside.at(-1)!.startsWith("````md")).toBe(false);
  });

  it("a tilde block is closed and reopened with tildes, and a backtick line inside it is content", () => {
    const text = `~~~~text\n${Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? "```" : `line ${i}`)).join("\n")}\n~~~~\n\nAfter.`;
    const chunks = layout(text, 60);
    expectGoodLayout(text, chunks, 60);
    const messages = chunks.map(messageText);
    expect(messages[0]!.endsWith("\n~~~~")).toBe(true);
    expect(messages[1]!.startsWith("~~~~text\n")).toBe(true);
  });
});

describe("layout never cuts a grapheme cluster", () => {
  it("a long run of ZWJ families, cut at every position the limit can fall on", () => {
    const family = CLUSTERS[0]!;
    for (let pad = 0; pad <= family.length; pad++) {
      const text = "a".repeat(pad) + family.repeat(40);
      const starts = clusterStarts(text);
      for (const limit of [family.length, family.length + 1, 23, 30, 50, 101]) {
        const chunks = layout(text, limit);
        expectGoodLayout(text, chunks, limit);
        for (const cut of cutsOf(chunks)) expect(starts.has(cut), `cut at ${cut} (pad ${pad}, limit ${limit})`).toBe(true);
      }
    }
  });

  it("mixed clusters, words and breaks, at any limit that holds the longest cluster", () => {
    fc.assert(
      fc.property(graphemeText, fc.integer({ min: 12, max: 400 }), (text, limit) => {
        const chunks = layout(text, limit);
        expectGoodLayout(text, chunks, limit);
        const starts = clusterStarts(text);
        for (const cut of cutsOf(chunks)) expect(starts.has(cut)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("clusters inside a code block stay whole too", () => {
    fc.assert(
      // Room for the longest cluster with its blank lines and the fence lines a split adds around it.
      fc.property(graphemeText, fc.integer({ min: 40, max: 300 }), (body, limit) => {
        const text = `\`\`\`\n${body}\n\`\`\``;
        const chunks = layout(text, limit);
        expectGoodLayout(text, chunks, limit);
        const starts = clusterStarts(text);
        for (const cut of cutsOf(chunks)) expect(starts.has(cut)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("a streamed cluster that grows past a kept split point is laid out again, not left cut", () => {
    fc.assert(
      fc.property(graphemeText, fc.integer({ min: 1, max: 99 }), fc.integer({ min: 12, max: 200 }), (text, pct, limit) => {
        const prefix = text.slice(0, Math.floor((text.length * pct) / 100));
        const sealed = layout(prefix, limit).slice(0, -1).map((c) => c.text);
        const chunks = layout(text, limit, sealed);
        expectGoodLayout(text, chunks, limit);
        if (!cutFreeLayoutExists(text, limit)) return;
        const starts = clusterStarts(text);
        for (const cut of cutsOf(chunks)) expect(starts.has(cut)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("whitespace between two long clusters goes where the next message still has room for its cluster", () => {
    const family = CLUSTERS[0]!;
    // "family a" fills a message of 12, but then the next would need 13 for "\n\n family": the split goes before "a".
    const text = `${family}a\n\n${family}`;
    expect(layout(text, 12).map((c) => c.text)).toEqual([family, "a\n\n", family]);
    // Continuing after a kept message that ended before "d": "d  " goes together, not "d" alone and then a cut family.
    const streamed = `🧑🏽‍💻word  ${family}`;
    const chunks = layout(streamed, 12, ["🧑🏽‍💻wor"]);
    expect(chunks.map((c) => c.text)).toEqual(["🧑🏽‍💻wor", "d  ", family]);
  });

  it("where no layout can keep every cluster whole, messages stay within the limit and none is blank", () => {
    const family = CLUSTERS[0]!;
    const text = `${family} \n\n${family}`;
    expect(cutFreeLayoutExists(text, 12)).toBe(false);
    expectGoodLayout(text, layout(text, 12), 12);
  });

  it("a cluster with only whitespace around it, too long with it for one message: no blank message", () => {
    for (const text of [`${CLUSTERS[0]}\n\n`, `\n\n${CLUSTERS[0]}`, `${CLUSTERS[0]}${" ".repeat(9)}`]) {
      const chunks = layout(text, 12);
      expect(chunks.map((c) => c.text).join("")).toBe(text);
      for (const m of chunks.map(messageText)) {
        expect(m.length).toBeLessThanOrEqual(12);
        expect(m.trim()).not.toBe("");
      }
    }
  });

  it("a single cluster longer than a message is still laid out (cut between code points), within the limit", () => {
    const text = `x${"\u0301".repeat(300)} after`;
    const chunks = layout(text, 100);
    expect(chunks.map((c) => c.text).join("")).toBe(text);
    for (const m of chunks.map(messageText)) expect(m.length).toBeLessThanOrEqual(100);
  });
});
