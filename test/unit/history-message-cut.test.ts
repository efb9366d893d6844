import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { limitMessageText } from "../../src/history/message-cut.js";

describe("limitMessageText", () => {
  it("leaves short text alone", () => {
    expect(limitMessageText("hello", 10)).toEqual({ text: "hello", omittedChars: 0 });
  });

  it("cuts a 200 KB message with a note for the model and a sentence for the user", () => {
    const big = "a".repeat(200 * 1024);
    const result = limitMessageText(big, 8_000);
    expect(result.omittedChars).toBe(200 * 1024 - 8_000);
    expect(result.text.startsWith("a".repeat(8_000))).toBe(true);
    expect(result.text).toContain("[message cut: 196,800 characters omitted]");
    expect(result.userNotice).toBe("Your message was long, so I only read its first 8,000 characters.");
  });

  it("never splits a surrogate pair and never grows the kept text past the limit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (text, max) => {
        const { text: out, omittedChars } = limitMessageText(text, max);
        const kept = omittedChars ? out.slice(0, out.lastIndexOf("\n[message cut:")) : out;
        expect(kept.length).toBeLessThanOrEqual(Math.max(max, text.length <= max ? text.length : 0));
        expect(kept.length + omittedChars).toBe(text.length);
        expect(text.startsWith(kept)).toBe(true);
        const lastCode = kept.charCodeAt(kept.length - 1);
        if (omittedChars) expect(lastCode >= 0xd800 && lastCode <= 0xdbff).toBe(false);
      }),
    );
  });
});
