/**
 * Stop and 👍 / 👎 buttons on Discord answers, end to end (real discord.js, fake Discord, real runtime and
 * streamer): Stop shows while an answer streams and stops it for the asker or a member with Manage Messages, not
 * for anyone else (who is told privately); streaming edits keep it without sending it again; when the answer ends
 * Stop goes and the last message gets 👍 / 👎, whose votes are kept (one per person) and counted. Also the gaps
 * around slash commands: /new is held to the allow-lists, a reply to a /ask answer reads the question, and a
 * deferred /ask the shutdown leaves unanswered says so instead of thinking forever.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { ANSWER_UNKNOWN_SENTENCE, NOT_THE_ASKER_SENTENCE } from "../../src/adapters/discord/button-presses.js";
import { ASK_INTERRUPTED_NOTE } from "../../src/adapters/discord/deferred-asks.js";
import { markdownToDiscord } from "../../src/adapters/discord/markdown.js";
import { storeKeys } from "../../src/adapters/discord/store-keys.js";
import { Metrics } from "../../src/ops/metrics.js";
import { STOPPED_NOTE } from "../../src/reply/notices.js";
import { RequestGate } from "../../src/safety/request-gate.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import { Permission, buttonsOf, type FakeInteraction, type FakeMessage, type FakeUser } from "../support/fake-discord/server.js";

let h: DiscordHarness;
const metrics = new Metrics();
/** Everyone but Dave may use the bot (filled in once the people exist). */
const allowed: string[] = [];
let carol: FakeUser;
let moderator: FakeUser;
let dave: FakeUser;

beforeAll(async () => {
  h = await startDiscordHarness({
    adapter: { metrics, gate: new RequestGate({ access: { discord: { users: allowed } } }) },
    prepare: (world, guild, { alice, bob }) => {
      carol = world.createUser({ username: "carol" });
      moderator = world.createUser({ username: "moderator" });
      dave = world.createUser({ username: "dave" });
      const mods = world.createRole(guild.id, "mods", Permission.ManageMessages);
      world.addMember(guild.id, carol.id);
      world.addMember(guild.id, moderator.id, { roles: [mods.id] });
      world.addMember(guild.id, dave.id);
      allowed.push(alice.id, bob.id, carol.id, moderator.id);
    },
  });
});

afterAll(async () => {
  await h?.close();
});

const STOPPED = markdownToDiscord(STOPPED_NOTE);
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(" ");
const stopIdOf = (m: FakeMessage) => buttonsOf(m.components).find((b) => b.customId.startsWith("threadpilot:stop:"))?.customId;
const voteIdsOf = (m: FakeMessage) => buttonsOf(m.components).filter((b) => b.customId.startsWith("threadpilot:vote:"));

/** The bot's messages in `channelId` after `since` (the question). */
function answerTo(channelId: string, since: FakeMessage): FakeMessage[] {
  return h.discord.botMessages(channelId).filter((m) => BigInt(m.id) > BigInt(since.id));
}

/** Asks in a channel of its own and waits until the answer shows words under a Stop button. */
async function slowAnswer(asker: FakeUser, tag: string) {
  const channel = h.discord.model.createTextChannel(h.guild.id, tag);
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
  // About 12 s of streaming: long enough to press Stop in the middle.
  h.model.script({ text: words(120, tag), chunk: { size: 1, unit: "words" }, paceMs: 100 });
  const question = h.discord.say({ channelId: channel.id, authorId: asker.id, content: `${h.mention} count slowly` });
  const streaming = () => answerTo(channel.id, question).find((m) => stopIdOf(m) && m.content.includes(`${tag}3`));
  await h.discord.waitFor(() => streaming() !== undefined, 30_000, "words under a Stop button");
  return { channel, question, message: streaming()! };
}

async function answered(interaction: FakeInteraction): Promise<void> {
  await h.discord.waitFor(() => interaction.response !== null, 5_000, "the press answered");
}

test("a stranger's Stop is refused privately; the asker's stops the answer; then 👍 / 👎 replace Stop", async () => {
  const { channel, question, message } = await slowAnswer(h.bob, "ask");
  const stopId = stopIdOf(message)!;

  const stranger = h.discord.clickButton({ messageId: message.id, userId: carol.id, customId: stopId });
  await answered(stranger);
  expect(stranger.response!.type).toBe(4);
  expect(stranger.ephemeral.map((m) => m.content)).toEqual([NOT_THE_ASKER_SENTENCE]);
  // Nothing of it in the channel, and the answer goes on.
  expect(h.discord.model.channels.get(channel.id)!.messages.some((m) => m.content === NOT_THE_ASKER_SENTENCE)).toBe(false);

  const asker = h.discord.clickButton({ messageId: message.id, userId: h.bob.id, customId: stopId });
  await answered(asker);
  expect(asker.response!.type).toBe(6);
  await h.discord.waitFor(() => answerTo(channel.id, question).at(-1)?.content.endsWith(STOPPED) === true, 15_000, "the stopped answer");
  await h.adapter.whenIdle();
  for (const press of [stranger, asker]) expect(press.response!.at - press.createdAt).toBeLessThan(3_000);
  // Stopped well before its end, once.
  const reply = answerTo(channel.id, question);
  expect(reply.at(-1)!.content).not.toContain("ask119");
  expect(h.logs.filter((l) => l.msg === "Stop asked for the conversation's answer")).toHaveLength(1);
  // Stop is gone; the last message has 👍 / 👎.
  expect(reply.flatMap((m) => buttonsOf(m.components).map((b) => b.customId)).filter((id) => id.includes(":stop:"))).toEqual([]);
  expect(voteIdsOf(reply.at(-1)!).map((b) => b.label)).toEqual(["👍", "👎"]);
});

test("a member with Manage Messages may stop someone else's answer", async () => {
  const { channel, question, message } = await slowAnswer(h.bob, "mod");
  const press = h.discord.clickButton({ messageId: message.id, userId: moderator.id, customId: stopIdOf(message)! });
  await answered(press);
  expect(press.response!.type).toBe(6);
  expect(press.ephemeral).toEqual([]);
  await h.discord.waitFor(() => answerTo(channel.id, question).at(-1)?.content.endsWith(STOPPED) === true, 15_000, "the stopped answer");
  await h.adapter.whenIdle();
});

test("streaming edits keep Stop without sending it again; only the last message of a long answer keeps buttons", async () => {
  const channel = h.discord.model.createTextChannel(h.guild.id, "long");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
  const text = words(900, "word");
  h.model.script({ text, chunk: { size: 25, unit: "words" }, paceMs: 40 });
  const writesBefore = h.discord.messageWrites.length;
  const question = h.discord.say({ channelId: channel.id, authorId: h.bob.id, content: `${h.mention} count to 900` });
  await h.discord.waitFor(() => answerTo(channel.id, question).some((m) => m.content.includes("word899")), 45_000, "the whole answer");
  await h.adapter.whenIdle();
  const reply = answerTo(channel.id, question);
  expect(reply.length).toBeGreaterThanOrEqual(3);
  expect(reply.map((m) => m.content).join(" ").split(/\s+/).filter(Boolean)).toEqual(text.split(" "));
  // Stop is on the message being written: the placeholder is posted with it, a continuation too when it is the
  // newest message (one posted behind another already full carries none) ...
  const writes = h.discord.messageWrites.slice(writesBefore);
  const posts = writes.filter((w) => w.route.startsWith("POST"));
  expect(JSON.stringify(posts[0]!.body)).toContain("threadpilot:stop:");
  // ... streaming edits carried no components (Discord keeps them); a message's buttons changed at most once, in
  // an edit of its text (Stop off a message the answer moved on from, 👍 / 👎 on the last with its final text):
  // no components-only write.
  const edits = writes.filter((w) => w.route.startsWith("PATCH")) as Array<{ body: Record<string, unknown> }>;
  expect(edits.filter((w) => !("content" in w.body))).toEqual([]);
  const changes = edits.filter((w) => "components" in w.body);
  expect(changes.length).toBeLessThanOrEqual(reply.length);
  expect(edits.length).toBeGreaterThan(changes.length);
  expect(reply.slice(0, -1).map((m) => m.components)).toEqual(reply.slice(0, -1).map(() => []));
  expect(voteIdsOf(reply.at(-1)!)).toHaveLength(2);
  expect(h.discord.rateLimitedCount()).toBe(0);
});

test("👍 / 👎: one vote per person per answer, kept and counted; the row shows the choice and the counts", async () => {
  h.model.script({ text: "Forty-two." });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} the answer?` });
  const last = () => answerTo(h.general.id, question).at(-1);
  await h.discord.waitFor(() => last() !== undefined && voteIdsOf(last()!).length === 2, 30_000, "the vote buttons");
  await h.adapter.whenIdle();
  const message = answerTo(h.general.id, question).at(-1)!;
  const [up, down] = voteIdsOf(message).map((b) => b.customId) as [string, string];
  const answerId = up.split(":").at(-1)!;
  expect(answerId).toBe(question.id);
  const before = await metrics.render();
  const count = (text: string, rating: string) =>
    Number(new RegExp(`threadpilot_feedback_total\\{platform="discord",rating="${rating}"\\} (\\d+)`).exec(text)?.[1] ?? 0);

  const press = async (user: FakeUser, customId: string, logs: number) => {
    const click = h.discord.clickButton({ messageId: message.id, userId: user.id, customId });
    await answered(click);
    await h.waitForLog("Answer feedback recorded", logs);
    expect(click.response!.type).toBe(7);
    expect(click.response!.at - click.createdAt).toBeLessThan(3_000);
  };
  const shown = () => buttonsOf(h.discord.model.messages.get(message.id)!.components).map((b) => b.label);
  const chosen = () => (h.discord.model.messages.get(message.id)!.components[0] as { components: Array<{ style: number }> }).components.map((b) => b.style);
  const already = h.logs.filter((l) => l.msg === "Answer feedback recorded").length;

  await press(h.bob, up, already + 1);
  expect(shown()).toEqual(["1", "0"]);
  expect(chosen()).toEqual([1, 2]);
  await press(carol, down, already + 2);
  expect(shown()).toEqual(["1", "1"]);
  expect(chosen()).toEqual([2, 1]);
  await press(h.bob, up, already + 3); // the same vote again: kept once, not counted twice
  expect(shown()).toEqual(["1", "1"]);
  await press(h.bob, down, already + 4); // a changed vote replaces the earlier one
  expect(shown()).toEqual(["0", "2"]);

  expect(await h.store.get(storeKeys.feedback(answerId, h.bob.id))).toMatchObject({ vote: "bad", user: h.bob.id });
  expect(await h.store.get(storeKeys.feedback(answerId, carol.id))).toMatchObject({ vote: "bad", user: carol.id });
  const after = await metrics.render();
  expect(count(after, "up") - count(before, "up")).toBe(1);
  expect(count(after, "down") - count(before, "down")).toBe(2);
  // Someone outside the allow-lists cannot vote.
  const refused = h.discord.clickButton({ messageId: message.id, userId: dave.id, customId: up });
  await answered(refused);
  expect(refused.response!.type).toBe(4);
  expect(refused.ephemeral).toHaveLength(1);
  expect(await h.store.get(storeKeys.feedback(answerId, dave.id))).toBeUndefined();
});

test("a ✋ reaction still stops an answer that has a Stop button, and its buttons change the same way", async () => {
  const { channel, question, message } = await slowAnswer(h.bob, "react");
  h.discord.react({ channelId: channel.id, messageId: message.id, userId: h.bob.id, emoji: "✋" });
  await h.discord.waitFor(() => answerTo(channel.id, question).at(-1)?.content.endsWith(STOPPED) === true, 15_000, "the stopped answer");
  await h.adapter.whenIdle();
  const reply = answerTo(channel.id, question);
  expect(reply.map(stopIdOf).filter(Boolean)).toEqual([]);
  expect(voteIdsOf(reply.at(-1)!)).toHaveLength(2);
});

test("a /ask answer carries the buttons in the interaction's reply: the asker's Stop stops it, 👍 / 👎 follow", async () => {
  const channel = h.discord.model.createTextChannel(h.guild.id, "asks");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
  h.model.script({ text: words(120, "slash"), chunk: { size: 1, unit: "words" }, paceMs: 100 });
  const ask = h.discord.slashCommand({ channelId: channel.id, userId: h.bob.id, name: "ask", options: { question: "count slowly" } });
  const reply = () => h.discord.botMessages(channel.id).find((m) => m.interaction?.id === ask.id);
  await h.discord.waitFor(() => (reply() && stopIdOf(reply()!) && reply()!.content.includes("slash3")) === true, 30_000, "Stop on the reply");
  expect(stopIdOf(reply()!)).toBe(`threadpilot:stop:${ask.id}`);
  const stranger = h.discord.clickButton({ messageId: reply()!.id, userId: carol.id, customId: stopIdOf(reply()!)! });
  await answered(stranger);
  expect(stranger.ephemeral.map((m) => m.content)).toEqual([NOT_THE_ASKER_SENTENCE]);
  const press = h.discord.clickButton({ messageId: reply()!.id, userId: h.bob.id, customId: stopIdOf(reply()!)! });
  await answered(press);
  await h.discord.waitFor(() => reply()!.content.endsWith(STOPPED), 15_000, "the stopped answer");
  await h.adapter.whenIdle();
  expect(stopIdOf(reply()!)).toBeUndefined();
  expect(voteIdsOf(reply()!).map((b) => b.customId)).toEqual([`threadpilot:vote:good:${ask.id}`, `threadpilot:vote:bad:${ask.id}`]);
  // A press on buttons of an answer the bot no longer knows is told so, privately.
  await h.store.delete(storeKeys.answer(ask.id));
  const late = h.discord.clickButton({ messageId: reply()!.id, userId: h.bob.id, customId: `threadpilot:vote:good:${ask.id}` });
  await answered(late);
  expect(late.ephemeral.map((m) => m.content)).toEqual([ANSWER_UNKNOWN_SENTENCE]);
});

test("a reply to a /ask answer reads the question, which lives in the interaction, not in a message", async () => {
  h.model.script({ text: "Strelsau." });
  const ask = h.discord.slashCommand({ channelId: h.general.id, userId: h.bob.id, name: "ask", options: { question: "What is the capital of Ruritania?" } });
  const reply = () => h.discord.botMessages(h.general.id).find((m) => m.interaction?.id === ask.id);
  await h.discord.waitFor(() => reply()?.content === "Strelsau.", 30_000, "the /ask answer");
  await h.adapter.whenIdle();
  h.model.script({ text: "About 120,000 people." });
  const followUp = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} and how many live there?`, replyTo: reply()!.id });
  await h.discord.waitFor(() => answerTo(h.general.id, followUp).some((m) => m.content === "About 120,000 people."), 30_000, "the follow-up's answer");
  await h.adapter.whenIdle();
  const sent = h.model.requests.at(-1)!.body.messages!;
  const prompt = JSON.stringify(sent);
  const question = prompt.indexOf("What is the capital of Ruritania?");
  const answer = prompt.indexOf("Strelsau.");
  const asked = prompt.indexOf("and how many live there?");
  expect(question).toBeGreaterThanOrEqual(0);
  expect(question).toBeLessThan(answer);
  expect(answer).toBeLessThan(asked);
});

test("/usage is held to the access allow-lists too: the figures are the server's", async () => {
  const refused = h.discord.slashCommand({ channelId: h.general.id, userId: dave.id, name: "usage" });
  await answered(refused);
  await h.adapter.whenIdle();
  expect(refused.response!.type).toBe(4);
  expect(refused.ephemeral).toHaveLength(1);
  expect(refused.ephemeral[0]!.content).not.toMatch(/AI credits|Usage here today/);
});

test("/new is held to the access allow-lists like everything else", async () => {
  const refused = h.discord.slashCommand({ channelId: h.general.id, userId: dave.id, name: "new" });
  await answered(refused);
  await h.adapter.whenIdle();
  expect(refused.response!.type).toBe(4);
  expect(refused.ephemeral).toHaveLength(1);
  expect(refused.ephemeral[0]!.content).toMatch(/\S/);
  expect(h.discord.model.channels.get(h.general.id)!.messages.some((m) => m.interaction?.id === refused.id)).toBe(false);
  expect([...h.discord.model.channels.values()].filter((c) => c.ownerId === h.discord.model.botUser.id && c.name.startsWith("New conversation"))).toHaveLength(0);
});

test("a deferred /ask the shutdown leaves unanswered says so instead of thinking forever", async () => {
  const own = await startDiscordHarness();
  try {
    const ask = own.discord.slashCommand({ channelId: own.general.id, userId: own.bob.id, name: "ask", options: { question: "are you there?" } });
    // The moment the reply is deferred (the fake posts the "thinking" reply) the adapter begins to stop, before
    // discord.js has even heard that its deferral worked, so before the question reaches the intake.
    const deferral = () => own.discord.botMessages(own.general.id).some((m) => m.interaction?.id === ask.id);
    await own.discord.waitFor(deferral, 5_000, "the deferral");
    await own.adapter.stop(1_000);
    const reply = own.discord.model.messages.get(ask.originalMessageId!)!;
    expect(reply.flags & (1 << 7)).toBe(0);
    expect(reply.content).toBe(markdownToDiscord(ASK_INTERRUPTED_NOTE));
    expect(own.model.requests).toHaveLength(0);
  } finally {
    await own.close();
  }
});
