/**
 * read_thread's pages start exactly where the prompt's history ends: checked against the real prompt builder,
 * for random threads and budgets.
 */
import fc from "fast-check";
import { expect, test } from "vitest";
import { firstMessageInPrompt, pageOlderMessages, readOlderThanPrompt } from "../../src/history/fit.js";
import { formatContextLine, formatPromptWithHistory } from "../../src/history/prompt.js";
import type { HistoryMessage } from "../../src/history/types.js";
import type { OlderMessagesPage } from "../../src/tools/read-thread.js";

const message = fc.record({
  role: fc.constantFrom<"user" | "assistant">("user", "assistant"),
  speaker: fc.constantFrom("", "Alice", "Bob Builder"),
  text: fc.oneof(fc.constant(""), fc.string({ maxLength: 120 })),
  imageCount: fc.nat(3),
});

/** How many context lines the real prompt says it left out (0 when it says nothing). */
function omittedByPrompt(history: HistoryMessage[], budget: number): number {
  const match = /\[(\d+) earlier message\(s\) in this conversation were left out\]/.exec(
    formatPromptWithHistory(history, { contextCharBudget: budget }),
  );
  return match ? Number(match[1]) : 0;
}

test("the first message in the prompt is found by the prompt's own rule", () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 40 }), fc.nat(3_000), (history, budget) => {
      const first = firstMessageInPrompt(history, { historyCharBudget: budget });
      const visibleBefore = history.slice(0, first).filter((m) => formatContextLine(m) !== null).length;
      expect(visibleBefore).toBe(omittedByPrompt(history, budget));
    }),
    { numRuns: 300 },
  );
});

test("with long messages cut first, the same holds for the cut history", () => {
  const long = (i: number): HistoryMessage => ({ role: "user", speaker: "Alice", text: `m${i} ${"x".repeat(500)}`, imageCount: 0 });
  const history = Array.from({ length: 12 }, (_, i) => long(i));
  const cut = history.map((m) => ({ ...m, text: `${m.text.slice(0, 100)}\n[message cut: ${m.text.length - 100} characters omitted]` }));
  const first = firstMessageInPrompt(history, { historyCharBudget: 1_000, maxMessageChars: 100 });
  expect(first).toBeGreaterThan(0);
  expect(first).toBe(omittedByPrompt(cut, 1_000)); // every message is visible, so the index is the count left out
});

test("pages go backwards from the prompt's first message, oldest first, to the start of the thread", async () => {
  const history: HistoryMessage[] = Array.from({ length: 10 }, (_, i) => ({ role: "user", speaker: "A", text: `message ${i} `.padEnd(40, "."), imageCount: 0 }));
  // Each context line costs 51 characters ("[user] A: " + 40 + newline): room for exactly three.
  const readOlder = readOlderThanPrompt(history, { historyCharBudget: 153 });
  const first = firstMessageInPrompt(history, { historyCharBudget: 153 });
  expect(first).toBe(6);
  const page1 = (await readOlder(undefined, 4)) as OlderMessagesPage;
  expect(page1.messages.map((m) => m.text.split(" ")[1])).toEqual(["2", "3", "4", "5"]);
  const page2 = (await readOlder(page1.before, 4)) as OlderMessagesPage;
  expect(page2.messages.map((m) => m.text.split(" ")[1])).toEqual(["0", "1"]);
  expect(page2.before).toBeUndefined();
  // Without a known budget, everything before the answered message is offered.
  expect(firstMessageInPrompt(history, {})).toBe(9);
  // A cursor that is not one of ours starts over rather than failing.
  expect(((await pageOlderMessages(history)("nonsense", 2)) as OlderMessagesPage).messages).toHaveLength(2);
});
