/**
 * The fake Slack refuses the blocks Slack refuses (block-kit.ts), so a malformed button fails a test instead of
 * passing unnoticed; and the blocks the adapter sends are ones it takes.
 */
import { expect, test } from "vitest";
import { answerBlocks, stopBlocks, textBlocks } from "../../src/adapters/slack/answer-controls.js";
import { feedbackBlocks } from "../../src/adapters/slack/feedback.js";
import { blocksProblem } from "../support/fake-slack/block-kit.js";

const button = (over: Record<string, unknown> = {}) => ({
  type: "actions",
  elements: [{ type: "button", action_id: "a", text: { type: "plain_text", text: "Go" }, value: "v", ...over }],
});

test("the adapter's Stop, feedback and text blocks are valid Block Kit", () => {
  expect(blocksProblem(stopBlocks("U1"))).toBeUndefined();
  expect(blocksProblem(feedbackBlocks())).toBeUndefined();
  expect(blocksProblem(answerBlocks("x".repeat(3_900), "stop", "U1"))).toBeUndefined();
  expect(blocksProblem(answerBlocks(`\`\`\`js\n${"let a = 1;\n".repeat(380)}\`\`\``, "feedback", "U1"))).toBeUndefined();
  expect(answerBlocks("text", "none", "U1")).toEqual([]);
  // No asker (an answer to another bot): no Stop button, and none of its text in blocks either.
  expect(answerBlocks("text", "stop", undefined)).toEqual([]);
});

test("a long message's text is laid out over sections of at most 3,000 characters, nothing lost", () => {
  const text = Array.from({ length: 200 }, (_, i) => `line ${i} says something plain`).join("\n");
  const sections = textBlocks(text).map((b) => (b.text as { text: string }).text);
  expect(sections.length).toBeGreaterThan(1);
  expect(sections.every((s) => s.length <= 3_000)).toBe(true);
  expect(sections.join("")).toBe(text);
});

test("what Slack refuses, the fake refuses", () => {
  expect(blocksProblem(button())).toMatch(/not a list/);
  expect(blocksProblem([button()])).toBeUndefined();
  expect(blocksProblem([{ type: "no_such_block" }])).toMatch(/unknown block type/);
  expect(blocksProblem([button({ action_id: "x".repeat(256) })])).toMatch(/action_id/);
  expect(blocksProblem([button({ value: "x".repeat(2_001) })])).toMatch(/value/);
  expect(blocksProblem([button({ text: { type: "mrkdwn", text: "Go" } })])).toMatch(/plain_text/);
  expect(blocksProblem([button({ text: { type: "plain_text", text: "x".repeat(76) } })])).toMatch(/75/);
  expect(blocksProblem([button(), button()])).toMatch(/action_id a used twice/);
  expect(blocksProblem([{ type: "section", text: { type: "mrkdwn", text: "x".repeat(3_001) } }])).toMatch(/3000/);
  expect(blocksProblem([{ type: "actions", elements: [] }])).toMatch(/elements/);
  expect(blocksProblem([{ type: "context_actions", elements: [{ type: "button", action_id: "b", text: { type: "plain_text", text: "b" } }] }])).toMatch(/not allowed/);
  expect(blocksProblem([{ type: "context_actions", elements: [{ type: "feedback_buttons", action_id: "fb" }] }])).toMatch(/positive_button/);
  expect(blocksProblem(Array.from({ length: 51 }, () => ({ type: "divider" })))).toMatch(/50/);
});
