/**
 * Issue 7 on Discord, end to end (real discord.js, real Copilot runtime, fake Discord and model): the access
 * allow-list refuses before any model call; huge messages, many images, fake images and malformed gateway
 * dispatches never crash the bot nor stop the next answer; read_thread brings the model older messages from
 * Discord; and with every part logging at debug level, no token ever reaches the log.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DEFAULT_REFUSAL_REPLY, type AccessPolicy } from "../../src/safety/access.js";
import { RequestGate } from "../../src/safety/request-gate.js";
import { toolPolicy } from "../../src/safety/tool-policy.js";
import { defaultToolRegistry } from "../../src/tools/index.js";
import { apiUser } from "../support/fake-discord/api-objects.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import type { FakeChannel, FakeMessage, FakeUser } from "../support/fake-discord/server.js";
import { imageParts, lastUserText, messageText, type RecordedRequest } from "../support/fake-model/server.js";

// A real 1×1 PNG; each copy gets its own bytes appended so the 20 files differ.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const secret = (prefix: string) => `${prefix}${randomBytes(16).toString("hex")}`;
const BOT_TOKEN = secret("MTE.discord-bot.");
const MODEL_KEY = secret("sk-model-");

const allowedChannels: string[] = [];
const access: AccessPolicy = { discord: { guilds: [], channels: allowedChannels, roles: [], users: [] } };
let h: DiscordHarness;
let mallory: FakeUser;
const channels: Record<"random" | "long" | "images" | "history", FakeChannel> = {} as never;

beforeAll(async () => {
  const registry = defaultToolRegistry({});
  const policy = toolPolicy("none", registry.names);
  h = await startDiscordHarness({
    fakeDiscord: { token: BOT_TOKEN, messageRateLimit: { limit: 50, windowMs: 1_000 } },
    vision: true,
    logLevel: "debug",
    // Tiny, so a long channel does not fit and read_thread has something to fetch.
    historyCharBudget: 400,
    answerer: { maxMessageChars: 8_000, toolsFor: (context) => registry.buildTools(context) },
    runtime: { apiKey: MODEL_KEY, availableTools: policy.availableTools, onPermissionRequest: policy.onPermissionRequest },
    adapter: { gate: new RequestGate({ access }), maxImages: 10, channelRate: { calls: 50, perMs: 1_000 } },
    prepare(world, guild, { alice, bob }) {
      // Alice is allowed through a role, Bob by name; Mallory is a member with neither.
      const helpers = world.createRole(guild.id, "helpers");
      guild.members.get(alice.id)!.roles.push(helpers.id);
      mallory = world.createUser({ username: "mallory", globalName: "Mallory" });
      world.addMember(guild.id, mallory.id);
      for (const name of ["random", "long", "images", "history"] as const) channels[name] = world.createTextChannel(guild.id, name);
      Object.assign(access.discord!, { guilds: [guild.id], roles: [helpers.id], users: [bob.id] });
    },
  });
  allowedChannels.push(h.general.id, channels.long.id, channels.images.id, channels.history.id);
});

afterAll(async () => {
  await h?.close();
  // Shutdown lines too: the whole file's log holds no token.
  if (h) expectNoTokens(h.logText());
});

function expectNoTokens(log: string) {
  for (const token of [BOT_TOKEN, MODEL_KEY]) expect(log.includes(token), "a token in the log").toBe(false);
}

const after = (since: FakeMessage) => (m: FakeMessage) => BigInt(m.id) > BigInt(since.id);

/** The bot's messages in the channel after `since`, once one satisfies `check` and the adapter is idle. */
async function botSays(channelId: string, since: FakeMessage, check: (text: string) => boolean, what: string) {
  const mine = () => h.discord.botMessages(channelId).filter(after(since));
  await h.discord.waitFor(() => mine().some((m) => check(m.content)), 30_000, what);
  await h.adapter.whenIdle();
  return mine().map((m) => m.content);
}

/** A plain question is still answered: whatever came before did not break the bot. */
async function stillAnswers() {
  const text = `Still here ${randomBytes(4).toString("hex")}.`;
  h.model.script({ text });
  const before = h.model.requests.length;
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} are you still there?` });
  await botSays(h.general.id, question, (t) => t === text, "the next answer");
  expect(h.model.requests.length).toBe(before + 1);
}

const REFUSED = "Discord request refused by the safety gate";
const DISPATCH_IGNORED = "Malformed Discord gateway dispatch ignored";
const count = (msg: string) => h.logs.filter((l) => l.msg === msg).length;

test("guilds, channels, roles and people outside the allow-list get one refusal sentence and cause no model request", async () => {
  const world = h.discord.model;
  const elsewhere = world.createGuild({ name: "Elsewhere" });
  world.addMember(elsewhere.id, h.alice.id);
  const lobby = world.createTextChannel(elsewhere.id, "lobby");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(lobby.id), 10_000, "the other guild's channel in the client");
  const before = h.model.requests.length;
  const refusedBefore = count(REFUSED);

  const asks = [
    // A member with neither the allowed role nor an allowed name, in an allowed channel.
    h.discord.say({ channelId: h.general.id, authorId: mallory.id, content: `${h.mention} let me in` }),
    // An allowed person in a channel that is not allowed.
    h.discord.say({ channelId: channels.random.id, authorId: h.alice.id, content: `${h.mention} answer me here` }),
    // An allowed person in a guild that is not allowed.
    h.discord.say({ channelId: lobby.id, authorId: h.alice.id, content: `${h.mention} and over here?` }),
  ];
  for (const asked of asks) {
    const replies = await botSays(asked.channelId, asked, (t) => t === DEFAULT_REFUSAL_REPLY, "the refusal");
    expect(replies).toEqual([DEFAULT_REFUSAL_REPLY]);
    expect(h.discord.botMessages(asked.channelId).filter(after(asked))[0]!.reference?.messageId).toBe(asked.id);
  }
  await h.waitForLog(REFUSED, refusedBefore + 3);

  // Refusals silenced: nothing at all is posted.
  access.refusalReply = "";
  try {
    const silent = h.discord.say({ channelId: h.general.id, authorId: mallory.id, content: `${h.mention} anyone?` });
    await h.waitForLog(REFUSED, refusedBefore + 4);
    await h.adapter.whenIdle();
    expect(h.discord.botMessages(h.general.id).filter(after(silent))).toEqual([]);
  } finally {
    delete access.refusalReply;
  }
  expect(h.model.requests.length).toBe(before);
  await stillAnswers();
});

test("a 200 KB message is cut for the model, the user is told, and the bot goes on", async () => {
  const huge = `${h.mention} ${"lorem ipsum dolor sit amet ".repeat(8_000)}`;
  expect(huge.length).toBeGreaterThan(200_000);
  h.model.script({ text: "I read the start of it." });
  const before = h.model.requests.length;
  const asked = h.discord.say({ channelId: channels.long.id, authorId: h.alice.id, content: huge });
  const replies = await botSays(channels.long.id, asked, (t) => t === "I read the start of it.", "the answer");
  expect(replies.some((t) => t.includes("Your message was long"))).toBe(true);
  expect(h.model.requests.length).toBe(before + 1);
  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expect(prompt.length).toBeLessThan(10_000);
  expect(prompt).toMatch(/\[message cut: [\d,]+ characters omitted\]/);
  await stillAnswers();
});

test("20 images: the model sees the first 10 and the user is told about the other 10", async () => {
  const attachments = Array.from({ length: 20 }, (_, i) => ({
    filename: `shot-${i}.png`,
    contentType: "image/png",
    data: Buffer.concat([PNG, Buffer.from([i])]),
  }));
  h.model.script({ text: "Ten pictures seen." });
  const downloadsBefore = h.discord.attachmentDownloads.length;
  const asked = h.discord.say({ channelId: channels.images.id, authorId: h.bob.id, content: `${h.mention} look at all of these`, attachments });
  const replies = await botSays(channels.images.id, asked, (t) => t === "Ten pictures seen.", "the answer");
  expect(replies.some((t) => t.includes("couldn't look at 10 images beyond the first 10"))).toBe(true);
  const request = h.model.requests.at(-1)!;
  expect(imageParts(request.body)).toHaveLength(10);
  expect(lastUserText(request.body)).toContain("look at all of these [+20 image(s)]");
  expect(h.discord.attachmentDownloads.length - downloadsBefore).toBe(10); // the rest were never downloaded
  await stillAnswers();
});

test("a file named .png that is not an image is not sent to the model, and the user is told", async () => {
  h.model.script({ text: "No picture to see." });
  const asked = h.discord.say({
    channelId: channels.images.id,
    authorId: h.alice.id,
    content: `${h.mention} what is in cat.png?`,
    attachments: [{ filename: "cat.png", contentType: "image/png", data: Buffer.from("#!/bin/sh\necho this is not a picture\n") }],
  });
  const replies = await botSays(channels.images.id, asked, (t) => t === "No picture to see.", "the answer");
  expect(replies.some((t) => t.includes("1 file that is not a PNG, JPEG, GIF or WebP image"))).toBe(true);
  expect(imageParts(h.model.requests.at(-1)!.body)).toEqual([]);
  await stillAnswers();
});

test("garbage frames and malformed or misdirected dispatches are survived, and the next message is answered", async () => {
  const failuresBefore = h.logs.filter((l) => (l.level as number) >= 50).length;
  const before = h.model.requests.length;
  const bot = h.discord.model.botUser;
  const guarded = count(DISPATCH_IGNORED);
  const messagesIgnored = count("Malformed Discord message ignored");
  const reactionsIgnored = count("Malformed Discord reaction ignored");
  const sent = [
    h.discord.sendRawFrame("this is not JSON {"),
    h.discord.sendRawFrame(JSON.stringify({ op: 0, t: "MESSAGE_CREATE", s: null, d: null })),
    h.discord.dispatchRaw("MESSAGE_CREATE", {}),
    h.discord.dispatchRaw("MESSAGE_CREATE", { id: 42, channel_id: ["x"], author: "mallory", content: { a: 1 }, mentions: "all" }),
    h.discord.dispatchRaw("MESSAGE_CREATE", { id: "123456789012345678", channel_id: h.general.id, content: `${h.mention} no author` }),
    h.discord.dispatchRaw("MESSAGE_CREATE", {
      id: "123456789012345679",
      channel_id: h.general.id,
      guild_id: h.guild.id,
      author: apiUser(h.discord.model.users.get(h.alice.id)!),
      content: 7,
      mentions: [apiUser(bot)],
      attachments: "none",
      timestamp: "yesterday",
    }),
    h.discord.dispatchRaw("MESSAGE_CREATE", {
      id: "123456789012345680",
      channel_id: "999999999999999999",
      guild_id: h.guild.id,
      author: apiUser(h.discord.model.users.get(h.bob.id)!),
      content: `${h.mention} hello from a channel nobody knows`,
      mentions: [apiUser(bot)],
      mention_roles: [],
      attachments: [],
      embeds: [],
      type: 0,
      timestamp: new Date().toISOString(),
    }),
    h.discord.dispatchRaw("MESSAGE_REACTION_ADD", {}),
    h.discord.dispatchRaw("MESSAGE_REACTION_ADD", { user_id: 5, channel_id: h.general.id, message_id: null, emoji: "❌" }),
    h.discord.dispatchRaw("SOMETHING_DISCORD_ADDED_LATER", { what: "ever" }),
  ];
  expect(sent.every((n) => n > 0)).toBe(true);
  // discord.js itself would have thrown on the null payload and on the attachments that are not a list: the guard
  // around its packet handler took those; the message without an author and the reaction without a message
  // reached the adapter, which ignored them. The rest (no id, wrong types, a channel nobody knows, an unknown
  // event) discord.js drops on its own.
  await h.waitForLog(DISPATCH_IGNORED, guarded + 2);
  await h.waitForLog("Malformed Discord message ignored", messagesIgnored + 1);
  await h.waitForLog("Malformed Discord reaction ignored", reactionsIgnored + 1);
  await stillAnswers();
  expect(h.model.requests.length).toBe(before + 1); // only the real question reached the model
  // Nothing logged as an error or worse: every bad input was expected and handled.
  expect(h.logs.filter((l) => (l.level as number) >= 50).slice(failuresBefore)).toEqual([]);
});

test("read_thread: with a tiny history budget, the model fetches older messages of the channel from Discord", async () => {
  const channel = channels.history.id;
  h.discord.say({ channelId: channel, authorId: h.alice.id, content: "Kickoff: the launch code is BLUE-HERON." });
  const notes = Array.from({ length: 30 }, (_, i) => `note ${String(i + 1).padStart(2, "0")}: nothing much happened today`);
  for (const [i, content] of notes.entries()) {
    h.discord.say({ channelId: channel, authorId: i % 2 ? h.alice.id : h.bob.id, content });
  }
  h.model.script({ toolCalls: [{ name: "read_thread", arguments: { limit: 50 } }] }, { text: "The launch code is BLUE-HERON." });
  const before = h.model.requests.length;
  const asked = h.discord.say({ channelId: channel, authorId: h.alice.id, content: `${h.mention} what was the launch code?` });
  await botSays(channel, asked, (t) => t === "The launch code is BLUE-HERON.", "the answer");

  expect(h.model.requests.length).toBe(before + 2);
  const [first, second] = [h.model.requests[before]!, h.model.requests[before + 1]!];
  const prompt = lastUserText(first.body);
  expect(offered(first)).toContain("read_thread");
  expect(prompt).not.toContain("BLUE-HERON"); // left out by the budget...
  expect(prompt).toMatch(/earlier message\(s\) in this conversation were left out/);
  expect(prompt).toContain("note 30"); // ...while the newest context is in the prompt
  const result = toolResults(second);
  expect(result).toContain("Kickoff: the launch code is BLUE-HERON."); // ...and reaches the model through the tool
  expect(result).toContain("start of the thread");
  // Every note reaches the model exactly once: in the prompt or through the tool, none in both, none lost.
  for (const note of notes) expect([prompt.includes(note), result.includes(note)].filter(Boolean), note).toHaveLength(1);
  expect(result).toContain("note 01");
});

test("with every part logging at debug level, no token value is ever logged", () => {
  const log = h.logText();
  expect(log).toContain('"level":20'); // the capture really is at debug level
  expect(log).toContain('"platform":"discord"'); // and has the adapter's own lines
  expectNoTokens(log);
});

const offered = (request: RecordedRequest) => (request.body.tools ?? []).map((t) => t.function.name);
const toolResults = (request: RecordedRequest) =>
  (request.body.messages ?? [])
    .filter((m) => m.role === "tool")
    .map((m) => messageText(m))
    .join("\n");
