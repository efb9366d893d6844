/**
 * End to end with the real Bolt: Slack failing chat.update (HTTP 500, then `internal_error`, a reset connection)
 * for 5 s just as the first words of an answer show. The reply keeps trying through the budget and ends with the
 * model's whole answer: never the placeholder, never a part.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";
import type { SlackFault } from "../support/fake-slack/index.js";
import { markdownToMrkdwn } from "../../src/adapters/slack/markdown.js";

let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  h = await startSlackHarness();
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
});

const FAULTS: Array<[string, SlackFault]> = [
  ["HTTP 500", { kind: "http", status: 500 }],
  ["internal_error", { kind: "error", error: "internal_error" }],
  ["a reset connection", { kind: "reset" }],
];

for (const [name, fault] of FAULTS) {
  test(`chat.update failing with ${name} for 5 s while the answer streams: the final text is the model's, complete`, async () => {
    // About 3 s of streaming: the answer is still growing when Slack starts failing, and over before it stops.
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`);
    const answer = `**Result:** ${words.join(" ")}`;
    h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 50 });
    const failedBefore = h.slack.callsTo("chat.update").filter((c) => !c.ok).length;
    const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} stream while Slack fails (${name})` });
    await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts)[0]?.edits.some((t) => t.includes("word")), 30_000, "the first words");
    h.slack.faults.fail(["chat.update"], fault, 5_000);

    const expected = markdownToMrkdwn(answer);
    const [reply] = await h.slack.waitFor(() => {
      const mine = h.slack.botReplies("C1", message.ts);
      return mine[0]?.text === expected ? mine : undefined;
    }, 60_000, "the complete answer after Slack's failures");
    await h.adapter.whenIdle();
    expect(h.slack.botReplies("C1", message.ts)).toHaveLength(1);
    expect(reply!.edits.at(-1)).toBe(expected);
    const failed = h.slack.callsTo("chat.update").filter((c) => !c.ok).length - failedBefore;
    // Slack did fail calls, and each failure was followed by a try later, not a give-up after three.
    expect(failed).toBeGreaterThanOrEqual(3);
    expect(h.logs.filter((l) => l.msg === "answer finished").at(-1)).toMatchObject({ status: "complete" });
  }, 90_000);
}
