/**
 * Slash commands end to end (real discord.js, fake Discord, real runtime and streamer): registered once and not
 * again when unchanged; /ask deferred within 3 s and answered in the interaction's reply, continued in the
 * channel past one message and past the interaction token's (shortened) lifetime; /new opens a thread the bot
 * answers in.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { MOVED_NOTE } from "../../src/adapters/discord/interaction-reply-target.js";
import { markdownToDiscord } from "../../src/adapters/discord/markdown.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import { ChannelType, type FakeMessage } from "../support/fake-discord/server.js";

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness();
});

afterAll(async () => {
  await h?.close();
});

const asked = (interactionId: string) => (m: FakeMessage) => m.interaction?.id === interactionId;

test("the commands are registered at start, and not again by a start that finds them unchanged", async () => {
  expect(h.discord.commands.overwrites.map((o) => [o.scope, o.names])).toEqual([["global", ["ask", "new", "usage", "model", "instructions"]]]);
  const second = await h.startAnotherAdapter();
  expect(h.discord.commands.overwrites).toHaveLength(1);
  await second.stop(1_000);
});

test("/ask is deferred at once and answered in the interaction's reply", async () => {
  h.model.script({ text: "Because of **Rayleigh** scattering." });
  const interaction = h.discord.slashCommand({ channelId: h.general.id, userId: h.alice.id, name: "ask", options: { question: "Why is the sky blue?" } });
  await h.discord.waitFor(
    () => h.discord.botMessages(h.general.id).some((m) => asked(interaction.id)(m) && m.content === "Because of **Rayleigh** scattering."),
    30_000,
    "the answer in the interaction's reply",
  );
  await h.adapter.whenIdle();
  expect(interaction.response?.type).toBe(5);
  expect(interaction.response!.at - interaction.createdAt).toBeLessThan(3_000);
  expect(JSON.stringify(h.model.requests.at(-1)?.body.messages)).toContain("Why is the sky blue?");
  expect(h.discord.rateLimitedCount()).toBe(0);
  // The interaction token is a credential for 15 minutes: never in a log line.
  expect(h.logText()).not.toContain(interaction.token);
});

test("a long /ask answer continues in the channel past one message, and past the token's lifetime", async () => {
  // Discord's 15-minute token and the bot's 14-minute use of it, shrunk to 4 s and 1.5 s.
  const short = await startDiscordHarness({
    fakeDiscord: { interactionTimes: { tokenLifetimeMs: 4_000 } },
    adapter: { interactionReplyWindowMs: 1_500 },
  });
  try {
    await longAnswer(short);
  } finally {
    await short.close();
  }
});

async function longAnswer(h: DiscordHarness) {
  const words = Array.from({ length: 700 }, (_, i) => `w${String(i).padStart(4, "0")}`);
  // About 4 s of streaming: longer than the bot uses the interaction's reply (1.5 s here).
  h.model.script({ text: words.join(" "), chunk: { size: 20, unit: "words" }, paceMs: 110 });
  const channel = h.discord.model.createTextChannel(h.guild.id, "long-asks");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
  const interaction = h.discord.slashCommand({ channelId: channel.id, userId: h.bob.id, name: "ask", options: { question: "Count for me" } });
  const texts = () => h.discord.botMessages(channel.id).filter((m) => m.content !== markdownToDiscord(MOVED_NOTE)).map((m) => m.content);
  await h.discord.waitFor(() => texts().join(" ").split(/\s+/).at(-1) === words.at(-1), 45_000, "the whole long answer");
  await h.adapter.whenIdle();
  const all = h.discord.botMessages(channel.id);
  // The interaction's reply now points below; the answer itself reads whole, in order, within 2,000 per message.
  expect(all[0]!.interaction?.id).toBe(interaction.id);
  expect(all[0]!.content).toBe(markdownToDiscord(MOVED_NOTE));
  expect(texts().join(" ").split(/\s+/).filter(Boolean)).toEqual(words);
  expect(texts().length).toBeGreaterThanOrEqual(2);
  for (const m of all) expect(m.content.length).toBeLessThanOrEqual(2_000);
  // Nothing was refused: no expired token, no 429.
  expect(h.discord.calls.filter((c) => c.status >= 400)).toEqual([]);
}

test("/new opens a thread the bot answers in without a mention", async () => {
  const interaction = h.discord.slashCommand({ channelId: h.general.id, userId: h.alice.id, name: "new" });
  await h.discord.waitFor(() => h.discord.botMessages(h.general.id).some((m) => asked(interaction.id)(m) && /<#\d+>/.test(m.content)), 15_000, "the link");
  const link = h.discord.botMessages(h.general.id).find(asked(interaction.id))!;
  const threadId = /<#(\d+)>/.exec(link.content)![1]!;
  expect(h.discord.model.channels.get(threadId)?.type).toBe(ChannelType.PublicThread);
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(threadId), 10_000, "the thread in the client");
  h.model.script({ text: "Fresh start." });
  h.discord.say({ channelId: threadId, authorId: h.alice.id, content: "hello again" });
  await h.discord.waitFor(() => h.discord.botMessages(threadId).some((m) => m.content === "Fresh start."), 30_000, "the answer in the thread");
});
