/** What a Discord conversation is for the per-thread coordinator, and what counts as a request to stop. */
import { describe, expect, test } from "vitest";
import { bySnowflake, conversationKey, isQueuedMessage, type MessagePlace } from "../../src/adapters/discord/conversation.js";
import { isStopReaction, isStopText } from "../../src/adapters/discord/stop-request.js";

const place = (over: Partial<MessagePlace>): MessagePlace => ({
  guildId: "10",
  channelId: "20",
  messageId: "30",
  isThread: false,
  opensThread: false,
  ...over,
});

describe("conversationKey", () => {
  test("a DM is its channel, a thread is the thread", () => {
    expect(conversationKey(place({ guildId: null }))).toBe("discord:dm:20");
    expect(conversationKey(place({ isThread: true, repliesTo: "5" }), "discord:10:20:1")).toBe("discord:10:20");
  });

  test("in a channel, a new question starts its own conversation; a reply joins the one it answers", () => {
    expect(conversationKey(place({}))).toBe("discord:10:20:30");
    expect(conversationKey(place({ repliesTo: "25" }), "discord:10:20:7")).toBe("discord:10:20:7");
    // A reply to a message the bot never saw: that message starts the conversation.
    expect(conversationKey(place({ repliesTo: "25" }))).toBe("discord:10:20:25");
  });

  test("a mention that opens a thread is keyed as that thread (which takes the message's id)", () => {
    const opening = conversationKey(place({ opensThread: true }));
    expect(opening).toBe(conversationKey(place({ channelId: "30", messageId: "31", isThread: true })));
  });
});

describe("queued items from the store", () => {
  test("accepts what the adapter writes and refuses anything else", () => {
    expect(isQueuedMessage({ guildId: "1", channelId: "2", messageId: "3", authorId: "4" })).toBe(true);
    expect(isQueuedMessage({ channelId: "2", messageId: "3", authorId: "4", openThread: true })).toBe(true);
    expect(isQueuedMessage(null)).toBe(false);
    expect(isQueuedMessage("2:3")).toBe(false);
    expect(isQueuedMessage({ channelId: 2, messageId: "3", authorId: "4" })).toBe(false);
    expect(isQueuedMessage({ channelId: "2", messageId: "x", authorId: "4" })).toBe(false);
    expect(isQueuedMessage({ channelId: "2", messageId: "3", authorId: "4", guildId: 1 })).toBe(false);
  });

  test("snowflakes sort by value, not by text", () => {
    expect(["100", "99", "1000"].sort(bySnowflake)).toEqual(["99", "100", "1000"]);
  });
});

describe("stop requests", () => {
  test.each(["stop", "Stop", "STOP!", " stop. ", "stop!!"])("%j stops", (text) => expect(isStopText(text)).toBe(true));
  test.each(["", "stop it", "please stop", "stopping", "don't stop", "nonstop"])("%j is a message to answer", (text) =>
    expect(isStopText(text)).toBe(false),
  );
  test("✋ and ❌ stop, with any skin tone; other emoji do not", () => {
    for (const emoji of ["✋", "❌", "✋🏽", "✋\uFE0F"]) expect(isStopReaction(emoji), emoji).toBe(true);
    for (const emoji of ["👍", "🛑", "x", "", null, undefined]) expect(isStopReaction(emoji), String(emoji)).toBe(false);
  });
});
