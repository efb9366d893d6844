/**
 * What an append-only stream may show of a streaming answer: whole lines, never inside an open code block or a
 * table still waiting for its delimiter row; and which path a new answer takes by the budgets' shares.
 */
import { expect, test } from "vitest";
import { settledPrefix } from "../../src/reply/markdown/settled-prefix.js";
import { prefersNative } from "../../src/reply/native-stream-reply.js";
import type { EditBudget, NativeStreaming } from "../../src/reply/target.js";

test("whole lines are settled, and never a half-written word", () => {
  expect(settledPrefix("nothing")).toBe("");
  expect(settledPrefix("no line break yet")).toBe("no line break");
  expect(settledPrefix("a\nb\n")).toBe("a\nb\n");
});

test("an open code block is held back from its opening fence; a closed one is settled", () => {
  expect(settledPrefix("Intro\n```js\nconst a = 1;\n")).toBe("Intro\n");
  expect(settledPrefix("Intro\n```js\nconst a = 1;\n```\nAfter\n")).toBe("Intro\n```js\nconst a = 1;\n```\nAfter\n");
  expect(settledPrefix("- item\n  ```\n  code\n")).toBe("- item\n");
});

test("a table header waits for its delimiter row", () => {
  expect(settledPrefix("Text\n| a | b |\n")).toBe("Text\n");
  expect(settledPrefix("Text\n| a | b |\n|---|---|\n")).toBe("Text\n| a | b |\n|---|---|\n");
});

test("what is settled only grows as the answer grows", () => {
  const answer = "Intro line\n```py\nprint(1)\n```\n| x | y |\n|---|---|\n| 1 | 2 |\nThe end.\n";
  let last = "";
  for (let i = 0; i <= answer.length; i++) {
    const settled = settledPrefix(answer.slice(0, i));
    expect(settled.startsWith(last)).toBe(true);
    last = settled;
  }
  expect(last).toBe(answer);
});

function budget(calls: number, perMs: number, active: number): EditBudget {
  return { calls, perMs, active, take: async () => undefined, pause: () => undefined };
}

function native(append: EditBudget, start = budget(20, 60_000, 0)): NativeStreaming {
  return {
    startBudget: start,
    appendBudget: append,
    stopBudget: budget(20, 60_000, 0),
    maxChunkChars: 12_000,
    lifetimeMs: 300_000,
    start: async () => {
      throw new Error("unused");
    },
  };
}

test("a new answer streams natively while the append budget's share beats chat.update's", () => {
  // Tier 4 appends (100/min) against chat.update (50/min): native until it carries twice the answers.
  expect(prefersNative(budget(50, 60_000, 0), native(budget(100, 60_000, 0)))).toBe(true);
  expect(prefersNative(budget(50, 60_000, 5), native(budget(100, 60_000, 11)))).toBe(true);
  expect(prefersNative(budget(50, 60_000, 5), native(budget(100, 60_000, 12)))).toBe(false);
  // A much looser edit budget wins.
  expect(prefersNative(budget(10, 1_000, 0), native(budget(100, 60_000, 0)))).toBe(false);
  // Starts used up in their window: edit rather than wait for a start.
  expect(prefersNative(budget(50, 60_000, 30), native(budget(100, 60_000, 0), budget(20, 60_000, 20)))).toBe(false);
});

test("the line being written shows its whole words up to where its inline Markdown is closed", () => {
  expect(settledPrefix("hello wor")).toBe("hello");
  expect(settledPrefix("first line\nsecond **bo")).toBe("first line\nsecond");
  expect(settledPrefix("a **b** c")).toBe("a **b**");
  expect(settledPrefix("see `code` and [the docs](http")).toBe("see `code` and");
  // A bullet or heading marker waits for its first word.
  expect(settledPrefix("- it")).toBe("");
  expect(settledPrefix("## Ti")).toBe("");
  expect(settledPrefix("- item one two")).toBe("- item one");
  // A line that may be a fence or a table row waits for its end.
  expect(settledPrefix("Text\n| a | b")).toBe("Text\n");
  expect(settledPrefix("Text\n``` js more")).toBe("Text\n");
  expect(settledPrefix("Intro\n```js\nconst a = 1; const b")).toBe("Intro\n");
});

test("word by word, what is settled only grows and ends as the answer", () => {
  const answer =
    "A paragraph with **bold words** and `code` and a [link](https://example.com) that runs on for a while.\n" +
    "- a list item with _emphasis_ inside\n```ts\nconst x = 1;\n```\n| h | i |\n|---|---|\n| 1 | 2 |\nDone.\n";
  let last = "";
  for (let i = 0; i <= answer.length; i++) {
    const settled = settledPrefix(answer.slice(0, i));
    expect(answer.startsWith(settled)).toBe(true);
    expect(settled.startsWith(last)).toBe(true);
    last = settled;
  }
  expect(last).toBe(answer);
});
