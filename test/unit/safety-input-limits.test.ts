import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { imageLimitNotice, limitMessageText, selectImages, selectionNotice } from "../../src/safety/input-limits.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);

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

describe("selectImages", () => {
  it("keeps real images up to the count, by content not name", () => {
    const files = [
      { data: Buffer.from("just text, honest"), name: "cat.png" },
      ...Array.from({ length: 20 }, (_, i) => ({ data: i % 2 ? PNG : JPEG, name: `img${i}.bin` })),
    ];
    const selection = selectImages(files, { maxCount: 10, maxBytes: 1024 });
    expect(selection.images).toHaveLength(10);
    expect(selection.images[0]).toMatchObject({ mimeType: "image/jpeg", displayName: "img0.bin" });
    expect(selection.images[1]!.mimeType).toBe("image/png");
    expect(selection).toMatchObject({ skippedNotImage: 1, skippedTooMany: 10, skippedTooLarge: 0 });
    expect(selectionNotice(selection, { maxCount: 10, maxBytes: 1024 })).toBe(
      "I couldn't look at 10 images beyond the first 10 and 1 file that is not a PNG, JPEG, GIF or WebP image.",
    );
  });

  it("skips images over the byte limit", () => {
    const big = Buffer.concat([PNG, Buffer.alloc(2048)]);
    const selection = selectImages([{ data: big }, { data: PNG }], { maxCount: 10, maxBytes: 1024 });
    expect(selection.images).toHaveLength(1);
    expect(selection.skippedTooLarge).toBe(1);
    expect(imageLimitNotice({ tooLarge: 1 }, { maxCount: 10, maxBytes: 10 * 1024 * 1024 })).toBe(
      "I couldn't look at 1 image larger than 10 MB.",
    );
  });

  it("has nothing to say when every image was taken", () => {
    expect(imageLimitNotice({})).toBeUndefined();
    expect(selectionNotice(selectImages([{ data: PNG }]))).toBeUndefined();
  });
});
