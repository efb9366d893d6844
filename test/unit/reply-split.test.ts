/** Laying rendered text over messages: limits, fences, fidelity, stability, split preferences. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { layout, messageText } from "../../src/reply/markdown/split.js";
import { tablesToText } from "../../src/reply/markdown/tables.js";
import { answer } from "./reply-arbitraries.js";
import { fencesBalanced, joinReply } from "./reply-support.js";

describe("layout", () => {
  it("every message within the limit and balanced; joined, the messages are the text", () => {
    fc.assert(
      fc.property(answer(1, 20).map(tablesToText), fc.integer({ min: 120, max: 2500 }), (text, limit) => {
        const chunks = layout(text, limit);
        expect(chunks.map((c) => c.text).join("")).toBe(text);
        const messages = chunks.map(messageText);
        for (const m of messages) {
          expect(m.length).toBeLessThanOrEqual(limit);
          expect(m.trim()).not.toBe("");
          expect(fencesBalanced(m)).toBe(true);
        }
        expect(joinReply(messages)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps earlier chunks when the text only grew, so continued messages do not move", () => {
    fc.assert(
      fc.property(answer(2, 20), fc.integer({ min: 10, max: 90 }), fc.integer({ min: 150, max: 1500 }), (text, pct, limit) => {
        const prefix = text.slice(0, Math.floor((text.length * pct) / 100));
        const before = layout(prefix, limit);
        const sealed = before.slice(0, -1).map((c) => c.text);
        const after = layout(text, limit, sealed);
        expect(after.slice(0, sealed.length).map((c) => c.text)).toEqual(sealed);
        expect(after.map((c) => c.text).join("")).toBe(text);
        for (const m of after.map(messageText)) expect(m.length).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 200 },
    );
  });

  it("re-lays out from the first kept chunk the text no longer starts with", () => {
    const chunks = layout("abc def ghi", 100, ["abc ", "xyz "]);
    expect(chunks.map((c) => c.text)).toEqual(["abc ", "def ghi"]);
  });

  it("prefers a paragraph break, then a line break, then a space", () => {
    const para = `${"a".repeat(50)}\n\n${"b".repeat(30)}\n${"c".repeat(30)}`;
    expect(layout(para, 100).map((c) => c.text)).toEqual([`${"a".repeat(50)}\n\n`, `${"b".repeat(30)}\n${"c".repeat(30)}`]);
    const lines = `${"a".repeat(40)}\n${"b".repeat(40)}\n${"c".repeat(40)}`;
    expect(layout(lines, 100).map((c) => c.text)).toEqual([`${"a".repeat(40)}\n${"b".repeat(40)}\n`, "c".repeat(40)]);
    const words = `${"word ".repeat(30)}end`;
    const chunks = layout(words, 40);
    for (const c of chunks.slice(0, -1)) expect(c.text.endsWith(" ")).toBe(true);
  });

  it("closes a split code block and reopens it with its language", () => {
    const code = `Intro.\n\n\`\`\`python\n${Array.from({ length: 30 }, (_, i) => `print(${i})`).join("\n")}\n\`\`\`\n\nAfter.`;
    const messages = layout(code, 120).map(messageText);
    expect(messages.length).toBeGreaterThan(2);
    expect(messages[1]!.startsWith("```python\nprint(")).toBe(true);
    expect(messages[0]!.endsWith("\n```")).toBe(true);
    expect(joinReply(messages)).toBe(code);
  });

  it("a word longer than a message is cut, but never inside a surrogate pair", () => {
    const emoji = "😀".repeat(100);
    const chunks = layout(emoji, 51);
    expect(chunks.map((c) => c.text).join("")).toBe(emoji);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(51);
      expect(c.text.length % 2).toBe(0);
    }
  });

  it("never leaves a whitespace-only message", () => {
    const text = `${"x".repeat(100)}\n\n\n\n`;
    const chunks = layout(text, 100);
    expect(chunks.map((c) => c.text).join("")).toBe(text);
    for (const c of chunks) expect(c.text.trim()).not.toBe("");
  });
});
