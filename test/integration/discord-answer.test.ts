/**
 * End to end: the real discord.js client against the fake Discord, the real runtime against the fake model.
 * What a Discord user sees when they talk to the bot, and what the model is sent.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { lastUserText } from "../support/fake-model/server.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import type { FakeMessage } from "../support/fake-discord/server.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Each line is in the prompt, in this order. */
function expectInOrder(prompt: string, lines: string[]): void {
  const at = lines.map((line) => prompt.indexOf(line));
  expect(lines.filter((_, i) => at[i]! < 0)).toEqual([]);
  expect(at).toEqual([...at].sort((a, b) => a - b));
}

/** The bot's messages in `channelId` posted after `since`, once one of them shows `text` and the adapter is idle. */
async function answered(channelId: string, since: FakeMessage, text: string): Promise<FakeMessage[]> {
  const mine = () => h.discord.botMessages(channelId).filter((m) => BigInt(m.id) > BigInt(since.id));
  await h.discord.waitFor(() => mine().some((m) => m.content === text), 30_000, `"${text.slice(0, 30)}"`);
  await h.adapter.whenIdle();
  return mine();
}

test("a mention gets a reply (typing, then a placeholder), then growing edits, then the complete answer, without a 429", async () => {
  const words = Array.from({ length: 100 }, (_, i) => `word${i}`);
  const answer = words.join(" ");
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 60 });
  const before = h.model.requests.length;
  const callsBefore = h.discord.calls.length;
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} tell me a long story` });

  const [reply, ...more] = await answered(h.general.id, question, answer);
  expect(more).toEqual([]);
  expect(reply!.reference?.messageId).toBe(question.id); // a reply to the mention
  const [placeholder, ...edits] = reply!.contents;
  expect(placeholder).toMatch(/Thinking/);
  expect(edits.at(-1)).toBe(answer);
  const partial = edits.slice(0, -1).filter((t) => t !== answer && !/Thinking/.test(t));
  expect(partial.length).toBeGreaterThanOrEqual(2);
  const shown = partial.map((t) => t.split(" ").length);
  expect(shown).toEqual([...shown].sort((a, b) => a - b));

  const calls = h.discord.calls.slice(callsBefore).filter((c) => c.channelId === h.general.id);
  const typing = calls.findIndex((c) => c.route === "POST /channels/:id/typing");
  const firstWords = calls.findIndex((c) => c.route === "PATCH /channels/:id/messages/:id");
  expect(typing).toBeGreaterThanOrEqual(0);
  expect(typing).toBeLessThan(firstWords);
  expect(h.discord.rateLimitedCount()).toBe(0);
  expect(h.model.requests.length).toBe(before + 1);
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("Alice: tell me a long story");
});

test("earlier channel messages reach the model in order, with names and image counts", async () => {
  const channel = h.discord.model.createTextChannel(h.guild.id, "design");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the new channel in the client's cache");
  const images = ["a.png", "b.png", "c.png"].map((filename) => ({ filename, contentType: "image/png", data: PNG }));
  h.discord.say({ channelId: channel.id, authorId: h.bob.id, content: "here are the three mockups", attachments: images });
  h.discord.say({ channelId: channel.id, authorId: h.otherBot.id, content: "build 42 passed" });
  h.discord.say({ channelId: channel.id, authorId: h.alice.id, content: "the second one looks best to me" });
  h.model.script({ text: "The second mockup is clearest." });
  const question = h.discord.say({ channelId: channel.id, authorId: h.alice.id, content: `${h.mention} which mockup should we ship?` });
  await answered(channel.id, question, "The second mockup is clearest.");

  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expectInOrder(prompt, [
    "[user] Bob Builder: here are the three mockups [+3 image(s)]",
    "[user] otherbot (bot): build 42 passed",
    "[user] Alice: the second one looks best to me",
    "Alice: which mockup should we ship?",
  ]);
  expect(prompt).toContain("3 image(s)");
  expect(prompt).not.toContain(h.mention);
});

test("a mention that replies to a message brings the reply chain, not the rest of the channel", async () => {
  const channel = h.discord.model.createTextChannel(h.guild.id, "support");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the new channel in the client's cache");
  const root = h.discord.say({ channelId: channel.id, authorId: h.bob.id, content: "the login page returns 502" });
  h.discord.say({ channelId: channel.id, authorId: h.alice.id, content: "unrelated: who has the projector?" });
  const middle = h.discord.say({ channelId: channel.id, authorId: h.alice.id, content: "only since the proxy change", replyTo: root.id });
  h.discord.say({ channelId: channel.id, authorId: h.bob.id, content: "unrelated: me" });
  h.model.script({ text: "Roll back the proxy change." });
  const question = h.discord.say({ channelId: channel.id, authorId: h.bob.id, content: `${h.mention} what should we do?`, replyTo: middle.id });
  await answered(channel.id, question, "Roll back the proxy change.");

  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expectInOrder(prompt, [
    "[user] Bob Builder: the login page returns 502",
    "[user] Alice: only since the proxy change",
    "Bob Builder: what should we do?",
  ]);
  expect(prompt).not.toContain("unrelated");
});

test("a follow-up without a mention in a thread the bot answered in is answered with the thread's history", async () => {
  const starter = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: "deploys are failing since this morning" });
  const thread = h.discord.model.createThread({ parentId: h.general.id, name: "deploys", ownerId: h.bob.id, fromMessageId: starter.id });
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(thread.id), 10_000, "the thread in the client's cache");
  h.model.script({ text: "Check the runner logs first." });
  const first = h.discord.say({ channelId: thread.id, authorId: h.alice.id, content: `${h.mention} any idea?` });
  await answered(thread.id, first, "Check the runner logs first.");

  h.model.script({ text: "That error means the token expired." });
  const before = h.model.requests.length;
  const followUp = h.discord.say({ channelId: thread.id, authorId: h.bob.id, content: "the logs say 401 Unauthorized" });
  await answered(thread.id, followUp, "That error means the token expired.");
  expect(h.model.requests.length).toBe(before + 1);

  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expectInOrder(prompt, [
    "[user] Bob Builder: deploys are failing since this morning",
    "[user] Alice: any idea?",
    "[assistant]: Check the runner logs first.",
    "Bob Builder: the logs say 401 Unauthorized",
  ]);
  expect(prompt).not.toContain("Thinking");
});

test("a thread the bot never answered in is not followed", async () => {
  const starter = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: "lunch?" });
  const thread = h.discord.model.createThread({ parentId: h.general.id, name: "lunch", ownerId: h.bob.id, fromMessageId: starter.id });
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(thread.id), 10_000, "the thread in the client's cache");
  const before = h.model.requests.length;
  h.discord.say({ channelId: thread.id, authorId: h.alice.id, content: "sure, at noon" });
  // Messages are handled in order: once a later mention is answered, the thread message was seen and skipped.
  h.model.script({ text: "Heard you." });
  const ping = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} ping` });
  await answered(h.general.id, ping, "Heard you.");
  expect(h.model.requests.length).toBe(before + 1);
  expect(h.discord.botMessages(thread.id)).toEqual([]);
});

test("a direct message is answered without a mention", async () => {
  const dm = h.discord.model.dmChannel(h.alice.id);
  h.model.script({ text: "Hi Alice, happy to help." });
  const hello = h.discord.say({ channelId: dm.id, authorId: h.alice.id, content: "hello there" });
  const [reply] = await answered(dm.id, hello, "Hi Alice, happy to help.");
  expect(reply!.reference?.messageId).toBe(hello.id);
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("hello there");
});

test("the bot's own messages and other bots' messages cause no model request", async () => {
  const before = h.model.requests.length;
  const botId = h.discord.model.botUser.id;
  h.discord.say({ channelId: h.general.id, authorId: botId, content: `${h.mention} talking to myself` });
  h.discord.say({ channelId: h.general.id, authorId: h.otherBot.id, content: `${h.mention} a question from another bot` });
  const dm = h.discord.model.dmChannel(h.otherBot.id);
  h.discord.say({ channelId: dm.id, authorId: h.otherBot.id, content: "another bot in a DM" });
  h.model.script({ text: "Only the human gets an answer." });
  const human = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} am I heard?` });
  const replies = await answered(h.general.id, human, "Only the human gets an answer.");
  expect(h.model.requests.length).toBe(before + 1);
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("am I heard?");
  expect(replies.map((m) => m.reference?.messageId)).toEqual([human.id]);
  expect(h.discord.botMessages(dm.id)).toEqual([]);
});

test("a mention of the bot's managed role counts as a mention, and is stripped like one", async () => {
  const role = h.discord.model.botRoleOf(h.guild.id);
  h.model.script({ text: "Reached through my role." });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `<@&${role.id}> can you hear me?` });
  await answered(h.general.id, question, "Reached through my role.");
  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expect(prompt).toContain("Bob Builder: can you hear me?");
  expect(prompt).not.toContain(role.id);
});

test("a mention answered at once is not read again from Discord: its run starts from the message the gateway delivered", async () => {
  h.model.script({ text: "Straight from the gateway." });
  const callsBefore = h.discord.calls.length;
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} one read, please` });
  const [reply] = await answered(h.general.id, question, "Straight from the gateway.");
  expect(reply!.reference?.messageId).toBe(question.id);
  const reads = h.discord.calls.slice(callsBefore).filter((c) => c.method === "GET" && c.channelId === h.general.id);
  // The history page is still read (it must be current); the mention itself is not fetched again.
  expect(reads.filter((c) => c.path.endsWith(`/messages/${question.id}`))).toEqual([]);
  expect(reads.filter((c) => c.route === "GET /channels/:id/messages").length).toBe(1);
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("Alice: one read, please");
});
