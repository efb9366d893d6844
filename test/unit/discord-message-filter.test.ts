import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { classifyMessage, type FilterOptions, type MessageFacts } from "../../src/adapters/discord/message-filter.js";

const BOT = "1000000000000000001";
const options: FilterOptions = { botUserId: BOT, answerThreadFollowUps: true, answerOtherBots: false };
const human: MessageFacts = {
  authorId: "2000000000000000002",
  authorIsBot: false,
  isSystem: false,
  isDm: false,
  inThread: false,
  mentionsBot: false,
};

describe("classifyMessage", () => {
  test.each([
    ["a mention in a channel", { mentionsBot: true }, options, "mention"],
    ["a mention in a thread", { mentionsBot: true, inThread: true }, options, "mention"],
    ["a direct message", { isDm: true }, options, "dm"],
    ["a thread message without a mention", { inThread: true }, options, "followup"],
    ["a thread message with follow-ups off", { inThread: true }, { ...options, answerThreadFollowUps: false }, "ignore"],
    ["a channel message without a mention", {}, options, "ignore"],
    ["a system message mentioning the bot", { isSystem: true, mentionsBot: true }, options, "ignore"],
    ["another bot's mention", { authorIsBot: true, mentionsBot: true }, options, "ignore"],
    ["another bot's DM", { authorIsBot: true, isDm: true }, options, "ignore"],
    ["another bot's mention, bots allowed", { authorIsBot: true, mentionsBot: true }, { ...options, answerOtherBots: true }, "mention"],
    ["another bot in a thread, bots allowed", { authorIsBot: true, inThread: true }, { ...options, answerOtherBots: true }, "ignore"],
  ] as const)("%s", (_name, facts, opts, expected) => {
    expect(classifyMessage({ ...human, ...facts }, opts).kind).toBe(expected);
  });

  test("the bot's own messages are never answered, whatever else is true of them", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (a, b, c, d, e, f, g) => {
        const facts: MessageFacts = { authorId: BOT, authorIsBot: a, isSystem: b, isDm: c, inThread: d, mentionsBot: e };
        const verdict = classifyMessage(facts, { botUserId: BOT, answerOtherBots: f, answerThreadFollowUps: g });
        expect(verdict).toEqual({ kind: "ignore", reason: "own message" });
      }),
    );
  });
});
