/**
 * The fake platforms of one benchmark run, with the bot's every accepted write recorded per conversation (when
 * the platform applied it, which message, its text after). Each conversation has a channel of its own; one
 * person mentions the bot in each. The fakes enforce the platforms' limits: Slack chat.update 50 a minute per
 * workspace, chat.postMessage about 1 a second per channel, 4,000 characters; Discord 5 creates/edits per 5 s per
 * channel, 2,000 characters.
 */
import { startFakeDiscord, type FakeDiscord } from "../../test/support/fake-discord/server.js";
import { startFakeSlack, type FakeSlack } from "../../test/support/fake-slack/server.js";
import type { FakeMessage } from "../../test/support/fake-slack/workspace.js";
import { peakInWindow } from "../../test/support/peak-in-window.js";
import type { SlackWorkspaceConfig } from "./protocol.js";
import { questionTag } from "./answers.js";
import type { Write } from "./visibility.js";

export type PlatformName = "slack" | "discord";

export interface FakePlatforms {
  /** The bot's writes, per conversation, in the order the platform applied them. */
  writes: Write[][];
  /** Epoch ms each conversation's mention was posted. */
  mentionedAt: number[];
  slackConfig: SlackWorkspaceConfig[];
  discordConfig?: { apiUrl: string; token: string };
  /** Mentions the bot once in every conversation, all at once. */
  mentionAll(): void;
  /** 429s the platform answered (every method). */
  rateLimited(): number;
  /** 429s per method (Slack), or Discord's bot-wide global 429s and the per-route ones apart. */
  rateLimitedBy(): Record<string, number>;
  /** Slack: the most chat.update calls the platform accepted in any 60 s, in the busiest workspace. */
  updatesInBusiestMinute?(): number;
  close(): Promise<void>;
}

function question(index: number): string {
  return `How should a bot stream long answers into chat without hitting rate limits? (${questionTag(index)})`;
}

/** `conversations` Slack conversations spread round-robin over `workspaces` fake workspaces. */
export async function startSlackPlatform(conversations: number, workspaces: number): Promise<FakePlatforms> {
  const writes: Write[][] = Array.from({ length: conversations }, () => []);
  const mentionedAt: number[] = new Array(conversations).fill(NaN);
  const fakes: FakeSlack[] = [];
  const updateTimes: number[][] = [];
  try {
    for (let w = 0; w < workspaces; w++) {
      const slack = await startFakeSlack({ teamId: `T${w}BENCH`, teamName: `bench-${w}`, record: false });
      fakes.push(slack);
      slack.addUser({ id: ASKER, name: "alice", displayName: "Alice" });
      recordSlackWrites(slack, writes);
      updateTimes.push(acceptedUpdateTimes(slack));
    }
    for (let i = 0; i < conversations; i++) fakes[i % workspaces]!.addChannel({ id: channelId(i), name: `conversation-${i}` });
  } catch (error) {
    await Promise.all(fakes.map((f) => f.close()));
    throw error;
  }
  return {
    writes,
    mentionedAt,
    slackConfig: fakes.map((f) => ({
      apiUrl: f.apiUrl,
      botToken: f.botToken,
      appToken: f.appToken,
      teamId: f.workspace.teamId,
      askerId: ASKER,
    })),
    mentionAll() {
      for (let i = 0; i < conversations; i++) {
        const slack = fakes[i % workspaces]!;
        mentionedAt[i] = Date.now();
        slack.userSays({ channel: channelId(i), user: ASKER, text: `<@${slack.botUserId}> ${question(i)}` });
      }
    },
    rateLimited: () => fakes.reduce((sum, f) => sum + [...f.callCounts.values()].reduce((s, c) => s + c.rateLimited, 0), 0),
    rateLimitedBy: () => {
      const by: Record<string, number> = {};
      for (const fake of fakes) for (const [method, c] of fake.callCounts) if (c.rateLimited) by[method] = (by[method] ?? 0) + c.rateLimited;
      return by;
    },
    updatesInBusiestMinute: () => Math.max(0, ...updateTimes.map((times) => peakInWindow(times, 60_000))),
    close: async () => void (await Promise.all(fakes.map((f) => f.close()))),
  };
}

/** The person who mentions the bot in every Slack conversation (a native stream's recipient). */
const ASKER = "U1";

/**
 * When the workspace accepted each chat.update: the limiter says yes (0) to a call only when it is applied (its
 * last check), so wrapping it changes nothing of the fake.
 */
function acceptedUpdateTimes(slack: FakeSlack): number[] {
  const times: number[] = [];
  const take = slack.updateLimiter.take.bind(slack.updateLimiter);
  slack.updateLimiter.take = (scope) => {
    const wait = take(scope);
    if (wait === 0) times.push(Date.now());
    return wait;
  };
  return times;
}

function channelId(index: number): string {
  return `C${String(index).padStart(4, "0")}`;
}

/**
 * Wraps the workspace's own post/edit/remove (no change to the fake): every write of the bot, timed. An edit of a
 * message whose native stream is open is an appendStream (or the text a stopStream ends with): recorded as the
 * text appended; any other edit is a chat.update and replaces the text.
 */
function recordSlackWrites(slack: FakeSlack, writes: Write[][]): void {
  const ws = slack.workspace;
  const conversation = (message: FakeMessage) => {
    if (message.user !== slack.botUserId) return undefined;
    const index = Number(message.channel.slice(1));
    return Number.isInteger(index) ? writes[index] : undefined;
  };
  const post = ws.post.bind(ws);
  const edit = ws.edit.bind(ws);
  const remove = ws.remove.bind(ws);
  ws.post = (input) => {
    const message = post(input);
    conversation(message)?.push({ at: Date.now(), messageId: message.ts, text: message.text, kind: "post" });
    return message;
  };
  ws.edit = (message, text) => {
    const before = message.text;
    const streaming = message.stream?.open === true && text.startsWith(before);
    edit(message, text);
    const write = streaming
      ? ({ kind: "append", text: text.slice(before.length) } as const)
      : ({ kind: "edit", text } as const);
    conversation(message)?.push({ at: Date.now(), messageId: message.ts, ...write });
  };
  ws.remove = (message) => {
    remove(message);
    conversation(message)?.push({ at: Date.now(), messageId: message.ts, text: undefined, kind: "delete" });
  };
}

/** Discord: "All bots can make up to 50 requests per second to our API" (Rate Limits, Global Rate Limit). */
export const DISCORD_GLOBAL_LIMIT = 50;

/** `conversations` Discord conversations, each in its own text channel of one guild. */
export async function startDiscordPlatform(conversations: number): Promise<FakePlatforms> {
  // Discord's bot-wide limit (50 requests a second over every route) on, as on Discord, beside the per-channel
  // buckets; its 429s are counted apart.
  const discord: FakeDiscord = await startFakeDiscord({ recordCalls: false, globalRateLimit: DISCORD_GLOBAL_LIMIT });
  const writes: Write[][] = Array.from({ length: conversations }, () => []);
  const mentionedAt: number[] = new Array(conversations).fill(NaN);
  const world = discord.model;
  const alice = world.createUser({ username: "alice", globalName: "Alice" });
  const guild = world.createGuild({ name: "Bench Guild", ownerId: alice.id });
  world.addMember(guild.id, alice.id);
  const channels = Array.from({ length: conversations }, (_, i) => world.createTextChannel(guild.id, `conversation-${i}`));
  const byChannel = new Map(channels.map((c, i) => [c.id, i]));
  world.on("change", (event) => {
    if (event.kind !== "message_create" && event.kind !== "message_update" && event.kind !== "message_delete") return;
    const message = event.message;
    if (message.authorId !== world.botUser.id) return;
    const index = byChannel.get(message.channelId);
    if (index === undefined) return;
    const kind = event.kind === "message_delete" ? "delete" : event.kind === "message_create" ? "post" : "edit";
    writes[index]!.push({ at: Date.now(), messageId: message.id, text: kind === "delete" ? undefined : message.content, kind });
  });
  return {
    writes,
    mentionedAt,
    slackConfig: [],
    discordConfig: { apiUrl: discord.apiUrl, token: discord.token },
    mentionAll() {
      for (let i = 0; i < conversations; i++) {
        mentionedAt[i] = Date.now();
        discord.say({ channelId: channels[i]!.id, authorId: alice.id, content: `<@${world.botUser.id}> ${question(i)}` });
      }
    },
    rateLimited: () => discord.rateLimitedCount(),
    rateLimitedBy: (): Record<string, number> => {
      const global = discord.globalRateLimitedCount();
      const route = discord.rateLimitedCount() - global;
      return { ...(global ? { global } : {}), ...(route ? { "per-route": route } : {}) };
    },
    close: () => discord.close(),
  };
}
