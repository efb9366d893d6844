/** The Slack neutraliser: no special mention survives, whatever the text; everything else is left as written. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  guardBroadcastMentions,
  neutraliseBroadcastMentions,
  neutraliseWriteArguments,
} from "../../src/adapters/slack/broadcast-mentions.js";
import { markdownToMrkdwn } from "../../src/adapters/slack/markdown.js";
import { broadcastPings } from "../support/fake-slack/broadcast-pings.js";

const live = (text: string) => broadcastPings("chat.postMessage", { text });

/** Text built from the pieces a crafted mention is made of. */
const hostile = fc
  .array(
    fc.constantFrom("<", ">", "!", "<!", "channel", "here", "everyone", "group", "subteam^S1", "SUBTEAM^X", "|", "@", "^",
      "date^1^x", "&lt;", "&gt;", " ", "\n", "`", "```", "<https://a.b|", "<@U1>", "x"),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));

describe("neutraliseBroadcastMentions", () => {
  it.each([
    ["<!channel>", "@\u200Bchannel"],
    ["<!here>", "@\u200Bhere"],
    ["<!everyone>", "@\u200Beveryone"],
    ["<!group>", "@\u200Bgroup"],
    ["<!CHANNEL>", "@\u200Bchannel"],
    ["<!here|here>", "@\u200Bhere"],
    ["<!channel|@channel>", "@\u200Bchannel"],
    ["<!subteam^S1>", "@\u200Bgroup"],
    ["<!subteam^S1|@devs>", "@\u200Bdevs"],
    ["<https://a.b|<!here>>", "<https://a.b|@\u200Bhere>"],
  ])("%s is shown as words that ping nobody", (input, shown) => {
    expect(neutraliseBroadcastMentions(input)).toBe(shown);
    expect(live(input).length).toBeGreaterThan(0);
    expect(live(shown)).toEqual([]);
  });

  it("leaves user mentions, links, dates, escaped text and HTML in code samples alone", () => {
    for (const text of ["<@U123> hi", "<https://x.y|x>", "<!date^1392734382^{date}|Feb 18>", "&lt;!channel&gt;",
      "```\n<!DOCTYPE html>\n<!-- note -->\n```", "@channel as plain words"]) {
      expect(neutraliseBroadcastMentions(text)).toBe(text);
    }
  });

  it("no live mention survives any arrangement of the pieces, and a second pass changes nothing", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = neutraliseBroadcastMentions(text);
        expect(live(out)).toEqual([]);
        expect(neutraliseBroadcastMentions(out)).toBe(out);
        // Never longer: a message laid out within Slack's limit stays within it.
        expect(out.length).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("slackify-markdown passes <!channel> through as inline HTML: the neutraliser is what stops it", () => {
    const mrkdwn = markdownToMrkdwn("Hey <!channel>, see [<!here>](https://x.y) and `<!everyone>`");
    expect(live(mrkdwn).length).toBeGreaterThan(0);
    expect(live(neutraliseBroadcastMentions(mrkdwn))).toEqual([]);
  });
});

describe("neutraliseWriteArguments", () => {
  it("rewrites text, blocks and attachments, turns broadcast and usergroup elements into text, keeps ids", () => {
    const args = {
      channel: "C1",
      ts: "1.2",
      text: "<!here>",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "<!channel> now" } },
        { type: "rich_text", elements: [{ type: "rich_text_section", elements: [{ type: "broadcast", range: "everyone" }, { type: "usergroup", usergroup_id: "S1" }] }] },
      ],
      attachments: [{ fallback: "<!subteam^S1>", text: "<!everyone>" }],
      unfurl_links: false,
    };
    const out = neutraliseWriteArguments(args);
    expect(out.channel).toBe("C1");
    expect(out.ts).toBe("1.2");
    expect(out.unfurl_links).toBe(false);
    const params = { text: out.text, blocks: JSON.stringify(out.blocks), attachments: JSON.stringify(out.attachments) };
    expect(broadcastPings("chat.update", params)).toEqual([]);
    expect(broadcastPings("chat.update", { text: args.text, blocks: JSON.stringify(args.blocks) }).length).toBe(4);
  });

  it("guards every chat method of a client in place, including ones called through the client later", async () => {
    const seen: unknown[] = [];
    const record = async (args: unknown) => {
      seen.push(args);
      return { ok: true };
    };
    const client = { chat: { postMessage: record, update: record, appendStream: record } };
    const guarded = guardBroadcastMentions(client as never) as typeof client;
    expect(guarded).toBe(client);
    await client.chat.postMessage({ text: "<!here>" } as never);
    await client.chat.update({ text: "<!channel>" } as never);
    await client.chat.appendStream({ markdown_text: "<!everyone>" } as never);
    expect(seen).toEqual([{ text: "@\u200Bhere" }, { text: "@\u200Bchannel" }, { markdown_text: "@\u200Beveryone" }]);
  });
});
