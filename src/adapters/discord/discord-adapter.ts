/**
 * The Discord adapter: receives messages through discord.js, decides which deserve an answer, reads the
 * conversation into the shared history, fetches the answered message's images, and hands the turn to the core
 * with a Discord reply target. Each Discord message is answered at most once, across gateway resumes, replays
 * and restarts (claimed in the store).
 */
import { ChannelType, Events, type Client, type Message, type SendableChannels } from "discord.js";
import type { Logger } from "pino";
import type { ConversationTurn } from "../../core/answer.js";
import { RunningWork } from "../../core/running-work.js";
import { budgets as defaultBudgets, type BudgetRate, type BudgetRegistry } from "../../reply/budget.js";
import type { RequestGate } from "../../safety/request-gate.js";
import type { StateStore } from "../../store/types.js";
import type { ReadOlder } from "../../tools/read-thread.js";
import { connect, createDiscordClient } from "./connection.js";
import { plainText } from "./discord-text.js";
import { readHistory, readOlder, toHistoryMessage, type ReadHistoryResult } from "./history-reader.js";
import { fetchImages } from "./image-fetch.js";
import { classifyMessage, messageFacts } from "./message-filter.js";
import { DISCORD_CHANNEL_RATE, DiscordReplyTarget } from "./reply-target.js";

/** The core's Answerer (src/core/answer.ts), or anything that answers a turn the same way. */
export interface TurnAnswerer {
  /** Builds the prompt, streams the answer into the target; never throws. */
  answer(turn: ConversationTurn): Promise<unknown>;
}

export interface DiscordAdapterOptions {
  /** DISCORD_TOKEN: the bot token. */
  token: string;
  /** DISCORD_API_URL: REST base without /v10 (default https://discord.com/api). */
  apiUrl?: string;
  /** DISCORD_OPEN_THREAD: answer a mention in a channel inside a new thread on it (default false). */
  openThread?: boolean;
  /** ANSWER_THREAD_FOLLOWUPS (default true). */
  answerThreadFollowUps?: boolean;
  /** ANSWER_OTHER_BOTS (default false). */
  answerOtherBots?: boolean;
  /** COPILOT_VISION: download the answered message's images for the model (default false). */
  downloadImages?: boolean;
  /** HISTORY_CHAR_BUDGET: how much earlier conversation to read (default 24,000 characters). */
  historyCharBudget?: number;
  answerer: TurnAnswerer;
  store: StateStore;
  logger: Logger;
  /** Access allow-lists and per-user rate, checked once per message before any model call. */
  gate?: Pick<RequestGate, "check">;
  budgets?: BudgetRegistry;
  /** Creates + edits per channel (default 5 per 5.25 s). */
  channelRate?: BudgetRate;
  maxMessageLength?: number;
  /** How long handled message ids are remembered (default 24 h). */
  handledTtlMs?: number;
  /** How long a thread the bot answered in stays "followed" (default 7 days). */
  followTtlMs?: number;
  maxImages?: number;
  maxImageBytes?: number;
  /** How long `start` waits for the gateway (default 60 s). */
  readyTimeoutMs?: number;
}

export interface DiscordAdapter {
  /** Logs in; resolves when the gateway is ready and messages are being received. */
  start(): Promise<{ botUserId: string; botName: string }>;
  /** Stops taking messages, lets running answers finish for up to `graceMs`, aborts the rest, logs out. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no answer is running (tests, shutdown). */
  whenIdle(): Promise<void>;
  /** The discord.js client (for health checks and tests). */
  readonly client: Client;
}

const DAY_MS = 24 * 60 * 60_000;
const THREAD_NAME_MAX = 100;

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const logger = options.logger.child({ platform: "discord" });
  const client = createDiscordClient({ apiUrl: options.apiUrl });
  const budgets = options.budgets ?? defaultBudgets;
  const rate = options.channelRate ?? DISCORD_CHANNEL_RATE;
  const work = new RunningWork((error) => logger.error({ err: describeError(error) }, "Handling a Discord message failed"));
  let accepting = false;

  const followKey = (threadId: string) => `discord:followed:${threadId}`;

  async function onMessage(message: Message): Promise<void> {
    const botUserId = client.user?.id;
    if (!botUserId) return;
    const verdict = classifyMessage(messageFacts(message, botUserId), {
      botUserId,
      answerOtherBots: options.answerOtherBots ?? false,
      answerThreadFollowUps: options.answerThreadFollowUps ?? true,
    });
    const log = logger.child({ messageId: message.id, channel: message.channelId, guild: message.guildId ?? "dm" });
    if (verdict.kind === "ignore") {
      log.trace({ reason: verdict.reason }, "Discord message ignored");
      return;
    }
    if (verdict.kind === "followup" && !(await isFollowed(message, botUserId))) {
      log.trace("Thread message in a thread the bot has not answered in; ignored");
      return;
    }
    // One answer per Discord message: a resumed session's replay and a duplicate delivery both land here.
    if (!(await options.store.claimOnce(`discord:handled:${message.id}`, options.handledTtlMs ?? DAY_MS))) {
      log.info({ kind: verdict.kind }, "Discord message already handled; not answering again");
      return;
    }
    if (!(await passesGate(message, log))) return;
    log.info({ kind: verdict.kind }, "Answering a Discord message");

    const { channel, replyTo } = await destination(message, verdict.kind === "mention", log);
    if (channel.isThread()) await options.store.set(followKey(channel.id), true, options.followTtlMs ?? 7 * DAY_MS);

    const { history, olderBefore } = await buildHistory(message, botUserId, log);
    const { images, notices } = options.downloadImages
      ? await fetchImages(message, {
          apiUrl: options.apiUrl,
          maxCount: options.maxImages,
          maxBytes: options.maxImageBytes,
          logger: log,
        })
      : { images: [], notices: [] };
    const target = new DiscordReplyTarget({
      channel,
      replyTo,
      budget: budgets.forScope(`discord:channel:${channel.id}`, rate),
      maxMessageLength: options.maxMessageLength,
    });
    // The read_thread tool pages further back in the conversation's own channel or thread.
    const source = message.channel;
    const older: ReadOlder | undefined = olderBefore
      ? (before, limit) => readOlder(source, before ?? olderBefore, limit, botUserId)
      : undefined;
    await options.answerer.answer({
      platform: "discord",
      threadKey: `discord:${message.guildId ?? "dm"}:${channel.id}`,
      history,
      images,
      target,
      signal: work.signal,
      ...(older ? { readOlder: older } : {}),
      ...(notices.length > 0 ? { notices } : {}),
    });
  }

  /** Access lists and the per-user rate; a refused person hears why once (the gate decides the sentence). */
  async function passesGate(message: Message, log: Logger): Promise<boolean> {
    if (!options.gate) return true;
    const channel = message.channel;
    const decision = options.gate.check({
      platform: "discord",
      userId: message.author.id,
      channelId: channel.id,
      ...(channel.isThread() && channel.parentId ? { parentChannelId: channel.parentId } : {}),
      ...(message.guildId ? { guildId: message.guildId } : {}),
      ...(message.member ? { roleIds: [...message.member.roles.cache.keys()] } : {}),
    });
    if (decision.allowed) return true;
    if (decision.reply) {
      const target = new DiscordReplyTarget({
        channel: channel as SendableChannels,
        replyTo: message,
        budget: budgets.forScope(`discord:channel:${channel.id}`, rate),
      });
      await target.budget.take(work.signal);
      await target.post(decision.reply).catch((error: unknown) => {
        log.warn({ err: describeError(error) }, "Could not tell a refused user why");
      });
    }
    return false;
  }

  /** A thread the bot answered in before (remembered in the store) or opened itself. */
  async function isFollowed(message: Message, botUserId: string): Promise<boolean> {
    const channel = message.channel;
    if (!channel.isThread()) return false;
    if (channel.ownerId === botUserId) return true;
    return (await options.store.get<boolean>(followKey(channel.id))) === true;
  }

  /** Where the answer goes: a reply in the message's channel, or (DISCORD_OPEN_THREAD) a new thread on it. */
  async function destination(
    message: Message,
    isMention: boolean,
    log: Logger,
  ): Promise<{ channel: SendableChannels; replyTo?: Message }> {
    const channel = message.channel as SendableChannels;
    const canOpenThread =
      options.openThread &&
      isMention &&
      (channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement);
    if (!canOpenThread) return { channel, replyTo: message };
    try {
      const thread = await message.startThread({ name: threadName(message, client.user!.id) });
      return { channel: thread, replyTo: undefined };
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not open a thread (missing Create Public Threads?); replying in the channel");
      return { channel, replyTo: message };
    }
  }

  /** The conversation as history; if Discord refuses the reads, the answered message alone (an answer beats none). */
  async function buildHistory(message: Message, botUserId: string, log: Logger): Promise<ReadHistoryResult> {
    try {
      return await readHistory(message, { botUserId, charBudget: options.historyCharBudget ?? 24_000 });
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not read the Discord conversation (missing Read Message History?); answering the message alone");
      return { history: [toHistoryMessage(message, botUserId)] };
    }
  }

  client.on(Events.MessageCreate, (message) => {
    if (accepting) work.track(onMessage(message));
  });
  client.on(Events.Error, (error) => logger.error({ err: describeError(error) }, "Discord client error"));
  client.on(Events.Warn, (warning) => logger.warn({ warning }, "Discord client warning"));
  client.on(Events.ShardResume, (_id, replayed) => logger.info({ replayed }, "Discord gateway session resumed"));
  client.on(Events.ShardReconnecting, () => logger.info("Discord gateway reconnecting"));

  return {
    client,
    async start() {
      accepting = true;
      await connect(client, { token: options.token, readyTimeoutMs: options.readyTimeoutMs });
      const user = client.user!;
      logger.info({ botUserId: user.id, botName: user.username, guilds: client.guilds.cache.size }, "Discord adapter started");
      return { botUserId: user.id, botName: user.username };
    },
    async stop(graceMs = 30_000) {
      accepting = false;
      await work.drain(graceMs);
      // Last: destroying the client also drops its token, which running answers still need to edit their replies.
      await client.destroy();
      logger.info("Discord adapter stopped");
    },
    whenIdle: () => work.whenIdle(),
  };
}

/** A thread title from the question: its first line, shortened to Discord's 100 characters. */
function threadName(message: Message, botUserId: string): string {
  const firstLine = plainText(message, botUserId).split("\n")[0]!.trim();
  const name = firstLine || `Question from ${message.member?.displayName ?? message.author.username}`;
  return name.length > THREAD_NAME_MAX ? `${name.slice(0, THREAD_NAME_MAX - 1)}…` : name;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
