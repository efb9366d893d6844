/**
 * Answers as durable work on Discord, through the contract's reopenReplyTarget: an answer cut short by shutdown
 * (its grace period over) stays recorded; the next adapter on the same store marks the half-written reply as
 * interrupted and answers the question again, once, whether the answer went into the channel or into a thread
 * opened on the question (DISCORD_OPEN_THREAD).
 */
import { afterEach, describe, expect, test } from "vitest";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import { buttonsOf } from "../support/fake-discord/server.js";

let h: DiscordHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each([
  ["in the channel", false],
  ["in a thread opened on the question", true],
])("an answer %s interrupted by shutdown", (_where, openThread) => {
  test("is marked as interrupted and answered again by the next start", async () => {
    const harness = await startDiscordHarness({ adapter: { openThread } });
    h = harness;
    harness.model.script({ text: "Here is the beginning of a long answer", fail: { kind: "stall", afterChars: 38 } });
    harness.model.setFallback({ text: "The whole answer." });
    const channel = harness.discord.model.createTextChannel(harness.guild.id, "questions");
    await harness.discord.waitFor(() => harness.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");

    const question = harness.discord.say({ channelId: channel.id, authorId: harness.alice.id, content: `${harness.mention} a long one` });
    // The answer goes to the channel, or to the thread opened on the question (it takes the question's id).
    const replyChannel = openThread ? question.id : channel.id;
    const texts = () => harness.discord.botMessages(replyChannel).map((m) => m.content);
    await harness.discord.waitFor(() => texts().some((t) => t.includes("beginning of a long")), 30_000, "the first words");

    await harness.adapter.stop(100);
    expect(texts()).toEqual([expect.stringContaining("Interrupted: the bot is restarting")]);
    expect(await harness.store.listWork()).toHaveLength(1);

    const next = await harness.startAnotherAdapter();
    await harness.discord.waitFor(() => texts().includes("The whole answer."), 30_000, "the answer after the restart");
    await next.whenIdle();
    expect(texts()).toEqual([expect.stringMatching(/Interrupted: the bot restarted\. Answering again below\./), "The whole answer."]);
    // Buttons: none left on the interrupted reply; 👍 / 👎 under the answer that replaced it.
    const buttons = () => harness.discord.botMessages(replyChannel).map((m) => buttonsOf(m.components).map((b) => b.customId.split(":")[1]));
    expect(buttons()).toEqual([[], ["vote", "vote"]]);
    expect(harness.model.requests).toHaveLength(2);
    expect(await harness.store.listWork()).toEqual([]);
    await next.stop(1_000);
  }, 90_000);
});
