import { expect, test } from "vitest";
import { markdownToMrkdwn } from "../../src/adapters/slack/markdown.js";
import { mentionedUserIds, slackToPlainText } from "../../src/adapters/slack/slack-text.js";

test("Slack text becomes plain text: the bot's mention goes, others become names, links readable", () => {
  const names = new Map([["U2", "Bob"]]);
  const text = "<@UBOT> ask <@U2> and <@U3|carol> in <#C1|general> about <https://x.dev/a?b=1&amp;c=2|the docs> &lt;now&gt; <!here>";
  expect(slackToPlainText(text, "UBOT", names)).toBe(
    "ask @Bob and @carol in #general about the docs (https://x.dev/a?b=1&c=2) <now> @here",
  );
  expect(slackToPlainText("<@UBOT>", "UBOT")).toBe("");
  expect(slackToPlainText("see <https://a.b>", "UBOT")).toBe("see https://a.b");
  expect(mentionedUserIds("<@U2> <@U3|c> <@U2>")).toEqual(["U2", "U3"]);
});

test("Markdown renders as Slack mrkdwn, tables as a readable block", () => {
  const out = markdownToMrkdwn("# Title\n\n**bold** [link](https://x.dev)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
  expect(out).toContain("*Title*");
  expect(out).toContain("<https://x.dev|link>");
  expect(out).not.toContain("**");
  expect(out).toContain("```");
  expect(out).not.toMatch(/\|\s*-+\s*\|/);
  expect(markdownToMrkdwn("   ")).toBe("");
});
