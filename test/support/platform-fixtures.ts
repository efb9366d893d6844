/**
 * One fixture per platform for the platform contract suite (test/integration/platform-contract.test.ts): the real
 * adapter (real Bolt, real discord.js) on its fake platform, the real runtime on the fake model, behind one small
 * surface in the platform's own terms. A "conversation" is a Slack thread (rooted at a mention in #general) or a
 * Discord thread (opened on a starter message in #general); the people are the same four on both:
 * Alice and Bob (allowed), Carol (allowed, held to a per-user limit of 2 requests per 10 minutes) and Mallory
 * (outside the allow-list).
 */
import type { AdapterRequestGate } from "../../src/core/adapter-options.js";
import type { AccessPolicy } from "../../src/safety/access.js";
import { RequestGate } from "../../src/safety/request-gate.js";
import { UserRateLimiter } from "../../src/safety/user-rate-limit.js";
import type { FakeModel } from "./fake-model/server.js";
import { startDiscordHarness } from "./fake-discord/harness.js";
import { startSlackHarness } from "./fake-slack/harness.js";

export type Person = "alice" | "bob" | "carol" | "mallory";

/** Where a conversation is: Slack channel + thread ts, or a Discord thread's id. */
export interface Conversation {
  id: string;
}

export interface Said {
  id: string;
}

export interface PlatformFixture {
  name: "slack" | "discord";
  displayName: string;
  model: FakeModel;
  /** The longest message the platform (fake) accepts from the bot. */
  maxMessageLength: number;
  /** Opens a conversation with `who` mentioning the bot, asking `text`. */
  start(who: Person, text: string): Promise<{ conversation: Conversation; said: Said }>;
  /** `who` writes in the conversation (without a mention unless `mention`), with PNG `images` attached. */
  say(conversation: Conversation, who: Person, text: string, options?: { mention?: boolean; images?: number }): Said;
  /** The platform delivers the message again (a retry, a replayed gateway session). */
  redeliver(said: Said): void;
  /** `who` puts the platform's stop reaction on the bot's first reply in the conversation. */
  reactStop(conversation: Conversation, who: Person): void;
  /** Events of the wrong shape, as the platform's transport could carry them. */
  sendMalformed(): void;
  /** The texts of the bot's messages in the conversation, oldest first. */
  botTexts(conversation: Conversation): string[];
  waitFor(predicate: () => boolean, what: string): Promise<void>;
  /** Resolves once `count` log lines with this message were written. */
  waitForLog(msg: string, count: number): Promise<void>;
  logCount(msg: string): number;
  whenIdle(): Promise<void>;
  /**
   * A restart: the running adapter stops with a grace period too short for a running answer (which stays recorded
   * as unfinished work), and a new one starts on the same store and platform.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const WAIT_MS = 30_000;

/** The one gate of the suite: Mallory is refused everywhere; Carol alone is held to the per-user limit. */
function contractGate(access: AccessPolicy, carol: () => string): AdapterRequestGate {
  const open = new RequestGate({ access });
  const limited = new RequestGate({ access, rateLimiter: new UserRateLimiter({ limit: 2, windowMs: 10 * 60_000 }) });
  return { check: (request, options) => (request.userId === carol() ? limited : open).check(request, options) };
}

export async function slackFixture(): Promise<PlatformFixture> {
  const ids: Record<Person, string> = { alice: "U1", bob: "U2", carol: "U4", mallory: "U3" };
  const access: AccessPolicy = { slack: { users: [ids.alice, ids.bob, ids.carol] } };
  const h = await startSlackHarness({
    fakeSlack: { updateLimit: { calls: 20, perMs: 1_000 }, postLimit: { calls: 20, perMs: 1_000 } },
    adapter: { gate: contractGate(access, () => ids.carol), postRate: { calls: 20, perMs: 1_000 } },
  });
  h.slack.addUser({ id: ids.mallory, name: "mallory", displayName: "Mallory" });
  h.slack.addUser({ id: ids.carol, name: "carol", displayName: "Carol" });
  const mention = `<@${h.slack.botUserId}>`;
  const eventIds = new Map<string, string>();
  const place = (c: Conversation) => {
    const [channel, threadTs] = c.id.split("/");
    return { channel: channel!, threadTs: threadTs! };
  };
  const say = (c: Conversation | undefined, who: Person, text: string, options: { mention?: boolean; images?: number } = {}): Said => {
    const files = Array.from({ length: options.images ?? 0 }, (_, i) => h.slack.addFile(`shot${i}.png`, "image/png", PNG));
    const posted = h.slack.userSays({
      channel: "C1",
      user: ids[who],
      text: options.mention ? `${mention} ${text}` : text,
      ...(c ? { threadTs: place(c).threadTs } : {}),
      ...(files.length > 0 ? { files } : {}),
    });
    eventIds.set(posted.message.ts, posted.mentionEventId ?? posted.messageEventId);
    return { id: posted.message.ts };
  };
  const botTexts = (c: Conversation) => h.slack.botReplies(place(c).channel, place(c).threadTs).map((m) => m.text);
  let retries = 0;
  let adapter = h.adapter;
  return {
    name: "slack",
    displayName: "Slack",
    model: h.model,
    maxMessageLength: 4_000,
    async start(who, text) {
      const said = say(undefined, who, text, { mention: true });
      return { conversation: { id: `C1/${said.id}` }, said };
    },
    say,
    redeliver: (said) => h.slack.redeliver(eventIds.get(said.id)!, ++retries),
    reactStop(c, who) {
      const reply = h.slack.botReplies(place(c).channel, place(c).threadTs)[0]!;
      h.slack.userReacts({ channel: "C1", ts: reply.ts, user: ids[who], name: "raised_hand" });
    },
    sendMalformed() {
      h.slack.sendRawFrame("this is not JSON {");
      h.slack.deliverEvent({ type: "message", channel: ["C1"], ts: 42, user: { id: "U1" }, text: { a: 1 } });
      h.slack.deliverEvent({ type: "app_mention", channel: "C1", text: `${mention} no ts, no user` });
      h.slack.deliverEvent({ type: "reaction_added", user: "U1", reaction: 7, item: "nothing" });
    },
    botTexts,
    waitFor: async (predicate, what) => {
      await h.slack.waitFor(predicate, WAIT_MS, what);
    },
    waitForLog: (msg, count) => h.waitForLog(msg, count),
    logCount: (msg) => h.logs.filter((l) => l.msg === msg).length,
    whenIdle: () => adapter.whenIdle(),
    async restart() {
      await adapter.stop(100);
      adapter = await h.startAnotherAdapter();
    },
    close: () => h.close(),
  };
}

export async function discordFixture(): Promise<PlatformFixture> {
  const ids = {} as Record<Person, string>;
  const access: AccessPolicy = { discord: {} };
  const h = await startDiscordHarness({
    adapter: { gate: contractGate(access, () => ids.carol) },
    prepare(world, guild, people) {
      const carol = world.createUser({ username: "carol", globalName: "Carol" });
      const mallory = world.createUser({ username: "mallory", globalName: "Mallory" });
      world.addMember(guild.id, carol.id);
      world.addMember(guild.id, mallory.id);
      Object.assign(ids, { alice: people.alice.id, bob: people.bob.id, carol: carol.id, mallory: mallory.id });
      access.discord!.users = [people.alice.id, people.bob.id, carol.id];
    },
  });
  let threads = 0;
  let adapter = h.adapter;
  const say = (c: Conversation, who: Person, text: string, options: { mention?: boolean; images?: number } = {}): Said => {
    const attachments = Array.from({ length: options.images ?? 0 }, (_, i) => ({ filename: `shot${i}.png`, contentType: "image/png", data: PNG }));
    const message = h.discord.say({
      channelId: c.id,
      authorId: ids[who],
      content: options.mention ? `${h.mention} ${text}` : text,
      ...(attachments.length > 0 ? { attachments } : {}),
    });
    return { id: message.id };
  };
  const botMessages = (c: Conversation) => h.discord.botMessages(c.id);
  return {
    name: "discord",
    displayName: "Discord",
    model: h.model,
    maxMessageLength: 2_000,
    async start(who, text) {
      const name = `topic ${++threads}`;
      const starter = h.discord.say({ channelId: h.general.id, authorId: ids[who], content: `${name}: a new topic` });
      const thread = h.discord.model.createThread({ parentId: h.general.id, name, ownerId: ids[who], fromMessageId: starter.id });
      await h.discord.waitFor(() => adapter.client.channels.cache.has(thread.id), WAIT_MS, "the thread in the client's cache");
      const conversation = { id: thread.id };
      return { conversation, said: say(conversation, who, text, { mention: true }) };
    },
    say,
    redeliver: (said) => h.discord.replayMessageCreate(said.id),
    reactStop(c, who) {
      const reply = botMessages(c)[0]!;
      h.discord.react({ channelId: c.id, messageId: reply.id, userId: ids[who], emoji: "✋" });
    },
    sendMalformed() {
      h.discord.sendRawFrame("this is not JSON {");
      h.discord.dispatchRaw("MESSAGE_CREATE", {});
      h.discord.dispatchRaw("MESSAGE_CREATE", { id: 42, channel_id: ["x"], author: "mallory", content: { a: 1 }, mentions: "all" });
      h.discord.dispatchRaw("MESSAGE_REACTION_ADD", { user_id: 5, channel_id: h.general.id, message_id: null, emoji: "✋" });
    },
    botTexts: (c) => botMessages(c).map((m) => m.content),
    waitFor: (predicate, what) => h.discord.waitFor(predicate, WAIT_MS, what),
    waitForLog: (msg, count) => h.waitForLog(msg, count),
    logCount: (msg) => h.logs.filter((l) => l.msg === msg).length,
    whenIdle: () => adapter.whenIdle(),
    async restart() {
      await adapter.stop(100);
      adapter = await h.startAnotherAdapter();
    },
    close: () => h.close(),
  };
}
