/**
 * No broadcast pings on Slack, end to end (real Bolt, real runtime, fake Slack and model): whatever carries a
 * `<!channel>`-style mention (the model's streamed answer, its continuation messages, the placeholder, a refusal
 * sentence, a user's words the model repeats), the fake Slack sees no live channel-wide mention in any chat.*
 * write. The fake flags them itself (test/support/fake-slack/broadcast-pings.ts); the first test proves it does.
 */
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, expect, test } from "vitest";
import { RequestGate } from "../../src/safety/request-gate.js";
import { lastUserText } from "../support/fake-model/server.js";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";

const HOSTILE = [
  "Attention <!channel> and <!here>, also <!everyone> and <!subteam^S1> and <!subteam^S2|@devs>.",
  "Labelled: <!here|here> <!channel|channel>, shouting: <!CHANNEL>, legacy: <!group>.",
  "Plain words: @everyone @here @channel, a Discord role <@&123456789012345678>.",
  "Inline `<!channel>` and a link [<!here>](https://example.com/x).",
  "```\n<!everyone> inside code\n```",
].join("\n\n");

let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  h = await startSlackHarness({
    fakeSlack: { updateLimit: { calls: 20, perMs: 1_000 }, postLimit: { calls: 20, perMs: 1_000 } },
    answerer: { placeholder: "_<!here> Thinking…_" },
    adapter: {
      postRate: { calls: 20, perMs: 1_000 },
      gate: new RequestGate({ access: { slack: { channels: ["C1"] }, refusalReply: "<!channel> I only answer in #general." } }),
    },
  });
  h.slack.addChannel({ id: "C2", name: "random" });
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
});

function allBotTexts(channel: string, threadTs: string): string[] {
  return h.slack.botReplies(channel, threadTs).flatMap((m) => [...m.edits, m.text]);
}

test("the fake Slack flags a live broadcast mention written by an unguarded client (the check can fail)", async () => {
  const raw = new webApi.WebClient(h.slack.botToken, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: "no mention here" });
  const before = h.slack.broadcastPings.length;
  await raw.chat.postMessage({
    channel: "C1",
    thread_ts: message.ts,
    text: "<!here> and <!subteam^S9|team>",
    blocks: [{ type: "rich_text", elements: [{ type: "rich_text_section", elements: [{ type: "broadcast", range: "channel" }] }] }],
  });
  await raw.chat.postMessage({ channel: "C1", thread_ts: message.ts, text: "@channel look", link_names: true });
  const flagged = h.slack.broadcastPings.slice(before).map((p) => p.mention);
  expect(flagged).toEqual(["<!here>", "<!subteam^S9|team>", "broadcast:channel", "@channel"]);
  h.slack.broadcastPings.length = before;
});

test("a streamed answer full of broadcast mentions, over several messages, pings nobody", async () => {
  // Long enough for continuation messages (Slack messages stop at ~3,900 characters); streamed a few
  // characters at a time, so partial entities ("<!chan") and whole ones reach chat.update.
  const answer = Array.from({ length: 6 }, (_, i) => `Part ${i}.\n\n${HOSTILE}\n\n${"filler words ".repeat(60)}`).join("\n\n");
  h.model.script({ text: answer, chunk: { size: 40, unit: "chars" }, paceMs: 2 });
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} announce it` });
  await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts).some((m) => m.text.includes("Part 5.")) && h.slack.botReplies("C1", message.ts).at(-1)!.text.includes("inside code"), 60_000, "the whole answer");
  await h.adapter.whenIdle();

  const replies = h.slack.botReplies("C1", message.ts);
  expect(replies.length).toBeGreaterThan(1);
  expect(h.slack.callsTo("chat.update").length).toBeGreaterThan(2);
  expect(h.slack.broadcastPings).toEqual([]);
  const shown = replies.map((m) => m.text).join("\n");
  // Shown as the words they stand for, not dropped.
  expect(shown).toContain("@\u200Bchannel");
  expect(shown).toContain("@\u200Bhere");
  expect(shown).toContain("@\u200Beveryone");
  expect(shown).toContain("@\u200Bgroup");
  expect(shown).toContain("@\u200Bdevs");
  // The placeholder carried one too.
  expect(replies[0]!.edits[0]).toContain("@\u200Bhere");
  for (const text of allBotTexts("C1", message.ts)) expect(text).not.toMatch(/<!(channel|here|everyone|group|subteam)/i);
});

test("a user's quoted broadcast mention, echoed by the model, pings nobody", async () => {
  h.model.script((request) => ({ text: `You wrote: ${lastUserText(request.body)} and <!here>` }));
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} say <!channel> and <!subteam^S1|@devs>` });
  await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts).some((m) => m.text.startsWith("You wrote:")), 30_000, "the echo");
  await h.adapter.whenIdle();
  expect(h.slack.broadcastPings).toEqual([]);
});

test("a refusal sentence with a broadcast mention pings nobody", async () => {
  const { message } = h.slack.userSays({ channel: "C2", user: "U1", text: `${mention} hello` });
  await h.slack.waitFor(() => h.slack.botReplies("C2", message.ts).length > 0, 30_000, "the refusal");
  await h.adapter.whenIdle();
  expect(h.slack.botReplies("C2", message.ts)[0]!.text).toContain("@\u200Bchannel I only answer");
  expect(h.slack.broadcastPings).toEqual([]);
});
