import { describe, expect, test } from "vitest";
import { classifyEvent, type FilterSettings, type SlackMessageEvent } from "../../src/adapters/slack/message-filter.js";

const settings: FilterSettings = { botUserId: "UBOT", botId: "BBOT", answerOtherBots: false, answerThreadFollowUps: true };
const base = { channel: "C1", ts: "1700000000.000200", user: "U1", text: "hello" };

function verdict(event: Partial<SlackMessageEvent>, overrides: Partial<FilterSettings> = {}) {
  return classifyEvent({ type: "message", ...base, ...event }, { ...settings, ...overrides });
}

describe("which Slack events are answered", () => {
  test("a top-level mention opens a thread on itself; a mention in a thread stays there", () => {
    expect(verdict({ type: "app_mention", text: "<@UBOT> hi" })).toEqual({
      kind: "mention",
      channel: "C1",
      ts: base.ts,
      threadTs: base.ts,
    });
    expect(verdict({ type: "app_mention", thread_ts: "1700000000.000100" })).toMatchObject({
      kind: "mention",
      threadTs: "1700000000.000100",
    });
  });

  test("direct messages are always answered", () => {
    expect(verdict({ channel_type: "im" })).toMatchObject({ kind: "dm", threadTs: base.ts });
  });

  test("a thread reply without a mention is a follow-up candidate unless follow-ups are off", () => {
    expect(verdict({ thread_ts: "1700000000.000100" })).toMatchObject({ kind: "followup" });
    expect(verdict({ thread_ts: "1700000000.000100" }, { answerThreadFollowUps: false }).kind).toBe("ignore");
  });

  test("a channel message that mentions the bot is left to its app_mention", () => {
    expect(verdict({ text: "<@UBOT> hi", thread_ts: "1700000000.000100" }).kind).toBe("ignore");
  });

  test("plain channel messages, the bot's own messages, edits, deletes and joins are ignored", () => {
    expect(verdict({}).kind).toBe("ignore");
    expect(verdict({ type: "app_mention", user: "UBOT", bot_id: "BBOT" }).kind).toBe("ignore");
    expect(verdict({ channel_type: "im", user: "UBOT" }).kind).toBe("ignore");
    expect(verdict({ channel_type: "im", bot_id: "BBOT", user: undefined }).kind).toBe("ignore");
    for (const subtype of ["message_changed", "message_deleted", "channel_join", "channel_topic"]) {
      expect(verdict({ channel_type: "im", subtype }).kind).toBe("ignore");
    }
    expect(verdict({ channel_type: "im", hidden: true }).kind).toBe("ignore");
  });

  test("files and thread broadcasts are messages like any other", () => {
    expect(verdict({ channel_type: "im", subtype: "file_share" }).kind).toBe("dm");
    expect(verdict({ subtype: "thread_broadcast", thread_ts: "1700000000.000100" }).kind).toBe("followup");
  });

  test("other bots are ignored unless configured, the bot itself always", () => {
    const other = { type: "app_mention", user: "U2", bot_id: "B2" };
    expect(verdict(other).kind).toBe("ignore");
    expect(verdict({ channel_type: "im", subtype: "bot_message", user: undefined, bot_id: "B2" }).kind).toBe("ignore");
    expect(verdict(other, { answerOtherBots: true }).kind).toBe("mention");
    expect(verdict({ type: "app_mention", user: "UBOT", bot_id: "BBOT" }, { answerOtherBots: true }).kind).toBe("ignore");
  });
});
