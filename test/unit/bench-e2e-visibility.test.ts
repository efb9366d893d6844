/**
 * The end-to-end benchmark's measuring (bench/e2e): what a person watching saw, from the platform's writes
 * alone, and the answer lengths and percentiles it reports.
 */
import { describe, expect, it } from "vitest";
import { answerLength, answerText, MAX_CHARS, MIN_CHARS, tagIndex, questionTag, vanDerCorput } from "../../bench/e2e/answers.js";
import { quantile } from "../../bench/e2e/stats.js";
import { modelTokens, replay, sentTimes, words, type Write } from "../../bench/e2e/visibility.js";

const ANSWER = "Hello **big** world.\n\n```ts\nconst x = 1;\n```\n\nThe end.";
const EXPECTED = words(ANSWER);

describe("words on screen", () => {
  it("counts letters-and-digits runs, not markup, fence lines or table rules", () => {
    expect(EXPECTED).toEqual(["Hello", "big", "world", "const", "x", "1", "The", "end"]);
    expect(words("Hello *big* world.\n```\nconst x = 1;\n```\nThe end.")).toEqual(EXPECTED);
  });

  it("replays writes: the placeholder shows nothing, words count only in order, the final state must match", () => {
    const writes: Write[] = [
      { at: 100, messageId: "a", text: "_Thinking…_" },
      { at: 200, messageId: "a", text: "Hello *big* wor" },
      { at: 300, messageId: "a", text: "Hello *big* world.\n```\nconst x" },
      { at: 400, messageId: "b", text: "```\n= 1;\n```\nThe end." },
    ];
    const t = replay(writes, EXPECTED);
    expect(t.firstWriteAt).toBe(100);
    expect(t.firstWordsAt).toBe(200);
    // "wor" is not "world": visible are Hello, big until the third write.
    expect(t.visibleAt).toEqual([200, 200, 300, 300, 300, 400, 400, 400]);
    expect(t.completeAt).toBe(400);
    expect(t.finalMatches).toBe(true);
  });

  it("an answer cut short, or with words out of order, is not complete", () => {
    const cut = replay([{ at: 1, messageId: "a", text: "Hello big world const x 1 The" }], EXPECTED);
    expect(cut.finalMatches).toBe(false);
    expect(cut.completeAt).toBeUndefined();
    expect(cut.visibleAt.at(-1)).toBeUndefined();
    const swapped = replay([{ at: 1, messageId: "a", text: "big Hello world const x 1 The end" }], EXPECTED);
    expect(swapped.firstWordsAt).toBeUndefined();
    expect(swapped.finalMatches).toBe(false);
    const extra = replay([{ at: 1, messageId: "a", text: `${ANSWER} Sorry, something went wrong` }], EXPECTED);
    expect(extra.completeAt).toBeUndefined();
    expect(extra.finalMatches).toBe(false);
  });

  it("a deleted message no longer counts", () => {
    const t = replay(
      [
        { at: 1, messageId: "a", text: ANSWER },
        { at: 2, messageId: "a", text: undefined },
      ],
      EXPECTED,
    );
    expect(t.completeAt).toBe(1);
    expect(t.finalMatches).toBe(false);
  });

  it("a word leaves the model with the chunk that reaches past its end", () => {
    const tokens = modelTokens(ANSWER);
    expect(tokens.map((t) => t.word)).toEqual(EXPECTED);
    expect(ANSWER.slice(0, tokens[1]!.end)).toBe("Hello **big");
    const chunks = [
      { at: 10, chars: 6 }, // "Hello "
      { at: 20, chars: 14 }, // "**big** "
      { at: 30, chars: ANSWER.length },
    ];
    expect(sentTimes(tokens, chunks)).toEqual([10, 20, 30, 30, 30, 30, 30, 30]);
    expect(sentTimes(tokens, chunks.slice(0, 1))).toEqual([10, ...new Array(7).fill(undefined)]);
  });
});

describe("answers and figures", () => {
  it("answers span 500 to 8,000 characters, the first is the median length, and each says whose it is", () => {
    expect(vanDerCorput(1)).toBe(0.5);
    expect(vanDerCorput(3)).toBe(0.75);
    const lengths = Array.from({ length: 200 }, (_, i) => answerLength(i));
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(MIN_CHARS);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(MAX_CHARS);
    expect(answerLength(0)).toBe(2000);
    expect(quantile(lengths, 0.5)).toBeGreaterThan(1800);
    expect(quantile(lengths, 0.5)).toBeLessThan(2200);
    const text = answerText(7);
    expect(text.length).toBeGreaterThan(answerLength(7) * 0.7);
    expect(tagIndex(`please answer (${questionTag(42)})`)).toBe(42);
    expect(tagIndex("no tag")).toBeUndefined();
  });

  it("percentiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.95)).toBe(95);
    expect(quantile([7], 0.95)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("a native stream on screen", () => {
  // chat.startStream with no text, two appendStreams, a stopStream that ends with the last words; later the
  // product's fallback replaces the streamed message with chat.update (mrkdwn: *big*, no fence language).
  const native: Write[] = [
    { at: 100, messageId: "s", text: "", kind: "post" },
    { at: 200, messageId: "s", text: "Hello **big** world.\n\n", kind: "append" },
    { at: 300, messageId: "s", text: "```ts\nconst x = 1;\n```\n", kind: "append" },
    { at: 400, messageId: "s", text: "\nThe end.", kind: "append" },
  ];

  it("adds each append to what the message shows: first words, every word's time, complete, final", () => {
    const t = replay(native, EXPECTED);
    expect(t.firstWriteAt).toBe(100);
    expect(t.firstWordsAt).toBe(200);
    expect(t.visibleAt).toEqual([200, 200, 200, 300, 300, 300, 400, 400]);
    expect(t.completeAt).toBe(400);
    expect(t.finalMatches).toBe(true);
  });

  it("an append is not a replacement: the same writes as edits would show only the last piece", () => {
    const asEdits = native.map(({ kind, ...w }) => ({ ...w, kind: kind === "append" ? ("edit" as const) : kind }));
    const t = replay(asEdits, EXPECTED);
    expect(t.finalMatches).toBe(false);
    expect(t.completeAt).toBeUndefined();
  });

  it("a chat.update may replace a streamed message later, and a stream that stopped short is completed by it", () => {
    const stoppedShort = native.slice(0, 3);
    expect(replay(stoppedShort, EXPECTED).finalMatches).toBe(false);
    const fallback: Write[] = [...stoppedShort, { at: 900, messageId: "s", text: "Hello *big* world.\n```\nconst x = 1;\n```\nThe end.", kind: "edit" }];
    const t = replay(fallback, EXPECTED);
    expect(t.visibleAt).toEqual([200, 200, 200, 300, 300, 300, 900, 900]);
    expect(t.completeAt).toBe(900);
    expect(t.finalMatches).toBe(true);
  });

  it("a continuation stream (a second message) adds to the first, and a deleted message drops out", () => {
    const split: Write[] = [
      { at: 100, messageId: "s1", text: "Hello **big** world.\n", kind: "post" },
      { at: 200, messageId: "s2", text: "", kind: "post" },
      { at: 300, messageId: "s2", text: "```ts\nconst x = 1;\n```\n\nThe end.", kind: "append" },
    ];
    expect(replay(split, EXPECTED).completeAt).toBe(300);
    const t = replay([...split, { at: 400, messageId: "s1", text: undefined, kind: "delete" }], EXPECTED);
    expect(t.finalMatches).toBe(false);
  });
});
