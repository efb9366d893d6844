/**
 * The Discord adapter: receives messages through discord.js, decides which deserve an answer, checks them
 * against the safety gate and hands them to the thread coordinator, which answers one conversation at a time
 * (see conversation.ts for what a conversation is): messages that arrive while the bot answers there wait, and
 * the next run answers them together, replying to the newest. Each Discord message is answered at most once,
 * across gateway resumes, replays and restarts (claimed in the store). "stop" in the conversation, or a ✋/❌
 * reaction on the bot's reply, stops the running answer.
 */
import {
  ChannelType,
  Events,
  type Client,
  type Message,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type SendableChannels,
  type TextBasedChannel,
  type User,
} from "discord.js";
import type { Logger } from "pino";
import type { AdapterCommonOptions, CoordinatorTuning } from "../../core/adapter-options.js";
import { RunningWork, idleWithin } from "../../core/running-work.js";
import { ThreadCoordinator } from "../../core/thread-coordinator.js";
import { budgets as defaultBudgets, type BudgetRate } from "../../reply/budget.js";
import { withBudget } from "../../reply/target.js";
import type { AccessRequest } from "../../safety/access.js";
import { requireQueues } from "../../store/require-queues.js";
import type { ReadOlder } from "../../tools/read-thread.js";
import { connect, createDiscordClient } from "./connection.js";
import {
  bySnowflake,
  conversationKey,
  isQueuedMessage,
  isSnowflake,
  storeKeys,
  type MessagePlace,
  type QueuedDiscordMessage,
} from "./conversation.js";
import { plainText } from "./discord-text.js";
import { readHistory, readOlder, toHistoryMessage, type ReadHistoryResult } from "./history-reader.js";
import { fetchImages } from "./image-fetch.js";
import { guardDispatches } from "./dispatch-guard.js";
import { classifyMessage, isWellFormed, messageFacts, type Verdict } from "./message-filter.js";
import { DISCORD_CHANNEL_RATE, DiscordReplyTarget } from "./reply-target.js";
import { isStopReaction, isStopText } from "./stop-request.js";

export type { TurnAnswerer } from "../../core/adapter-options.js";

/** Tuning of the per-conversation coordinator (src/core/thread-coordinator.ts); the defaults suit production. */
export type DiscordCoordinatorOptions = CoordinatorTuning<QueuedDiscordMessage>;

/** The common options (`historyCharBudget` defaults to 24,000 here), plus the Discord connection and rate. */
export interface DiscordAdapterOptions extends AdapterCommonOptions<QueuedDiscordMessage> {
  /** DISCORD_TOKEN: the bot token. */
  token: string;
  /** DISCORD_API_URL: REST base without /v10 (default https://discord.com/api). */
  apiUrl?: string;
  /** DISCORD_OPEN_THREAD: answer a mention in a channel inside a new thread on it (default false). */
  openThread?: boolean;
  /** Creates + edits per channel (default 5 per 5.25 s). */
  channelRate?: BudgetRate;
  /** How long `start` waits for the gateway (default 60 s). */
  readyTimeoutMs?: number;
}

export interface DiscordAdapter {
  /** Logs in; resolves when the gateway is ready and messages are being received. */
  start(): Promise<{ botUserId: string; botName: string }>;
  /** Stops taking messages, lets running answers finish for up to `graceMs`, aborts the rest, logs out. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no message is being handled and no answer is running here (tests, shutdown). */
  whenIdle(): Promise<void>;
  /** The discord.js client (for health checks and tests). */
  readonly client: Client;
}

const DAY_MS = 24 * 60 * 60_000;
const THREAD_NAME_MAX = 100;
const REACTION_REPLAY_MS = 10 * 60_000;

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const logger = options.logger.child({ platform: "discord" });
  const client = createDiscordClient({ apiUrl: options.apiUrl });
  const store = requireQueues(options.store, "The Discord adapter");
  const budgets = options.budgets ?? defaultBudgets;
  const rate = options.channelRate ?? DISCORD_CHANNEL_RATE;
  const followTtlMs = options.followTtlMs ?? 7 * DAY_MS;
  // Message and reaction handlers (they end once the message is queued); the answers run in the coordinator.
  const work = new RunningWork((error) => logger.error({ err: describeError(error) }, "Handling a Discord event failed"));
  let accepting = false;

  const coordinator = new ThreadCoordinator<QueuedDiscordMessage>({
    ...options.coordinator,
    store,
    logger,
    run: (threadKey, items, signal) => answerConversation(threadKey, items, signal),
  });

  async function onMessage(message: Message): Promise<void> {
    const botUserId = client.user?.id;
    if (!botUserId) return;
    if (!isWellFormed(message)) {
      logger.debug({ messageId: String(message.id) }, "Malformed Discord message ignored");
      return;
    }
    const log = logger.child({ messageId: message.id, channel: message.channelId, guild: message.guildId ?? "dm" });
    const verdict = classifyMessage(messageFacts(message, botUserId), {
      botUserId,
      answerOtherBots: options.answerOtherBots ?? false,
      answerThreadFollowUps: options.answerThreadFollowUps ?? true,
    });
    // "stop" alone (the mention aside) asks to stop the conversation's answer; cheap test first, every message passes here.
    const stop =
      (verdict.kind !== "ignore" || verdict.reason === "not addressed to the bot") &&
      /stop/i.test(message.content) &&
      isStopText(plainText(message, botUserId));
    if (verdict.kind === "ignore" && !(stop && (await repliesToBot(message)))) {
      log.trace({ reason: verdict.reason }, "Discord message ignored");
      return;
    }
    if (verdict.kind === "followup" && !(await isFollowed(message, botUserId))) {
      log.trace("Thread message in a thread the bot has not answered in; ignored");
      return;
    }
    // One answer per Discord message: a resumed session's replay and a duplicate delivery both land here.
    if (!(await store.claimOnce(storeKeys.handled(message.id), options.handledTtlMs ?? DAY_MS))) {
      log.info({ kind: verdict.kind }, "Discord message already handled; not answering again");
      return;
    }
    if (!(await passesGate(message, log))) return;

    const place = placeOf(message, verdict);
    if (stop) {
      const threadKey = await stopTarget(place);
      if (!threadKey) {
        log.info("Stop asked in a channel where the bot has not answered; nothing to stop");
        return;
      }
      const here = await coordinator.stop(threadKey);
      log.info({ thread: threadKey, runningHere: here }, "Stop asked for the conversation's answer");
      return;
    }
    if (!accepting) {
      log.warn("The Discord adapter is stopping; message not answered");
      return;
    }
    const threadKey = conversationKey(place, place.repliesTo ? await rememberedConversation(place.repliesTo) : undefined);
    await Promise.all([
      store.set(storeKeys.conversation(message.id), threadKey, followTtlMs),
      place.guildId && !place.isThread ? store.set(storeKeys.latestInChannel(place.channelId), threadKey, followTtlMs) : undefined,
      place.isThread ? store.set(storeKeys.followed(place.channelId), true, followTtlMs) : undefined,
    ]);
    const item: QueuedDiscordMessage = {
      ...(message.guildId ? { guildId: message.guildId } : {}),
      channelId: message.channelId,
      messageId: message.id,
      authorId: message.author.id,
      ...(place.opensThread ? { openThread: true } : {}),
    };
    let outcome: Awaited<ReturnType<typeof coordinator.submit>>;
    try {
      outcome = await coordinator.submit(threadKey, item);
    } catch (error) {
      if (accepting) throw error;
      log.warn("The Discord adapter stopped before the message was queued; not answered");
      return;
    }
    log.info(
      { kind: verdict.kind, thread: threadKey },
      outcome === "started" ? "Answering a Discord message" : "Discord message queued behind the conversation's running answer",
    );
  }

  function placeOf(message: Message, verdict: Verdict): MessagePlace {
    const channel = message.channel;
    const isThread = channel.isThread();
    const reference = message.reference;
    // In a thread the reply chain is the thread itself; in a channel a reply joins the conversation it answers.
    const repliesTo = !isThread && message.inGuild() && reference?.messageId && reference.channelId === message.channelId ? reference.messageId : undefined;
    const opensThread =
      (options.openThread ?? false) &&
      verdict.kind === "mention" &&
      (channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement);
    return {
      guildId: message.guildId,
      channelId: message.channelId,
      messageId: message.id,
      isThread,
      ...(repliesTo ? { repliesTo } : {}),
      opensThread,
    };
  }

  async function rememberedConversation(messageId: string): Promise<string | undefined> {
    const key = await store.get<string>(storeKeys.conversation(messageId));
    return typeof key === "string" ? key : undefined;
  }

  /** The conversation a stop is meant for: the one it replies into, else (a plain "@bot stop" in a channel) the newest there. */
  async function stopTarget(place: MessagePlace): Promise<string | undefined> {
    if (!place.guildId || place.isThread) return conversationKey({ ...place, opensThread: false });
    if (place.repliesTo) return rememberedConversation(place.repliesTo);
    const latest = await store.get<string>(storeKeys.latestInChannel(place.channelId));
    return typeof latest === "string" ? latest : undefined;
  }

  /** A reply to one of the bot's answers (Discord did not ping the bot: the user turned the reply's mention off). */
  async function repliesToBot(message: Message): Promise<boolean> {
    const id = message.reference?.messageId;
    if (!id || message.author.bot) return false;
    return typeof (await store.get<string>(storeKeys.botReply(id))) === "string";
  }

  async function onReaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    const botUserId = client.user?.id;
    const message = reaction.message;
    if (!isSnowflake(message.id) || !isSnowflake(user.id)) {
      logger.debug("Malformed Discord reaction ignored");
      return;
    }
    if (!botUserId || user.id === botUserId || !isStopReaction(reaction.emoji.name)) return;
    if (user.bot && !(options.answerOtherBots ?? false)) return;
    const log = logger.child({ messageId: message.id, channel: message.channelId, reaction: reaction.emoji.name });
    const threadKey = await store.get<string>(storeKeys.botReply(message.id));
    if (typeof threadKey !== "string") {
      log.debug("Stop reaction on a message that is not one of the bot's answers; ignored");
      return;
    }
    // A resumed session replays reactions too: one reaction stops once, not a later answer as well. Replays come
    // within minutes; after that, taking the reaction off and on again stops again.
    const reactionKey = `discord:reaction:${message.id}:${user.id}:${reaction.emoji.name ?? ""}`;
    if (!(await store.claimOnce(reactionKey, REACTION_REPLAY_MS))) return;
    const channel = message.channel as TextBasedChannel | null;
    const member = message.guild?.members.cache.get(user.id);
    const decision = options.gate?.check({
      ...placeForGate(user.id, message.channelId, channel, message.guildId),
      ...(member ? { roleIds: [...member.roles.cache.keys()] } : {}),
    });
    if (decision && !decision.allowed) {
      log.info({ because: decision.because }, "Stop reaction refused by the safety gate");
      return;
    }
    const here = await coordinator.stop(threadKey);
    log.info({ thread: threadKey, runningHere: here }, "Stop asked for the conversation's answer");
  }

  /** One coordinator run: the conversation's waiting messages, answered together (the newest is the question). */
  async function answerConversation(threadKey: string, items: QueuedDiscordMessage[], signal: AbortSignal): Promise<void> {
    const batch = items.filter(isQueuedMessage).sort((a, b) => bySnowflake(a.messageId, b.messageId));
    const botUserId = client.user?.id;
    const newest = batch.at(-1);
    if (!newest || !botUserId) {
      logger.warn({ thread: threadKey }, "A conversation run had no readable message; nothing to answer");
      return;
    }
    const log = logger.child({ thread: threadKey, messageId: newest.messageId, batch: batch.length });
    // Fetched again: the run may be on another replica, and a message may have been edited or deleted meanwhile.
    const messages = await fetchMessages(batch, log);
    const answered = messages.at(-1);
    if (!answered) {
      log.info("The waiting messages were deleted or cannot be read; nothing to answer");
      return;
    }
    const opensThread = batch.find((item) => item.messageId === answered.id)?.openThread ?? false;
    const { channel, replyTo } = await destination(answered, opensThread, log);
    if (channel.isThread()) await store.set(storeKeys.followed(channel.id), true, followTtlMs);

    const earlier = messages.slice(0, -1);
    const { history, olderBefore } = await buildHistory(answered, earlier, botUserId, log);
    const { images, notices } = options.downloadImages
      ? await fetchImages(messages, {
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
      // Replies to the answer join its conversation; a stop reaction on it stops it.
      onPosted: async (id) => {
        await Promise.all([
          store.set(storeKeys.botReply(id), threadKey, followTtlMs),
          store.set(storeKeys.conversation(id), threadKey, followTtlMs),
        ]);
      },
    });
    // The read_thread tool pages further back in the conversation's own channel or thread.
    const source = answered.channel;
    const older: ReadOlder | undefined = olderBefore
      ? (before, limit) => readOlder(source, before ?? olderBefore, limit, botUserId)
      : undefined;
    if (messages.length > 1) log.info("Answering the conversation's waiting messages together");
    await options.answerer.answer({
      platform: "discord",
      threadKey,
      history,
      images,
      target,
      signal,
      ...(older ? { readOlder: older } : {}),
      ...(notices.length > 0 ? { notices } : {}),
    });
  }

  /** The batch's messages as Discord has them now, oldest first; deleted or unreadable ones are left out. */
  async function fetchMessages(batch: QueuedDiscordMessage[], log: Logger): Promise<Message[]> {
    const channels = new Map<string, Promise<TextBasedChannel | null>>();
    const channelOf = (id: string) => {
      let channel = channels.get(id);
      if (!channel) {
        channel = client.channels.fetch(id).then((c) => (c?.isTextBased() ? c : null), () => null);
        channels.set(id, channel);
      }
      return channel;
    };
    const fetched = await Promise.all(
      batch.map(async (item) => {
        const channel = await channelOf(item.channelId);
        if (!channel) return null;
        return channel.messages.fetch({ message: item.messageId, cache: false }).catch((error: unknown) => {
          log.info({ waiting: item.messageId, err: describeError(error) }, "A waiting Discord message could not be read; left out");
          return null;
        });
      }),
    );
    return fetched.filter((message): message is Message => message !== null);
  }

  /** Access lists and the per-user rate; a refused person hears why once (the gate decides the sentence). */
  async function passesGate(message: Message, log: Logger): Promise<boolean> {
    if (!options.gate) return true;
    const channel = message.channel;
    const decision = options.gate.check({
      ...placeForGate(message.author.id, channel.id, channel, message.guildId),
      ...(message.member ? { roleIds: [...message.member.roles.cache.keys()] } : {}),
    });
    if (decision.allowed) return true;
    log.info({ because: decision.because }, "Discord request refused by the safety gate");
    if (decision.reply) {
      const target = new DiscordReplyTarget({
        channel: channel as SendableChannels,
        replyTo: message,
        budget: budgets.forScope(`discord:channel:${channel.id}`, rate),
      });
      try {
        await withBudget(target.budget, () => target.post(decision.reply!), work.signal);
      } catch (error) {
        log.warn({ err: describeError(error) }, "Could not tell a refused user why");
      }
    }
    return false;
  }

  /** A thread the bot answered in before (remembered in the store) or opened itself. */
  async function isFollowed(message: Message, botUserId: string): Promise<boolean> {
    const channel = message.channel;
    if (!channel.isThread()) return false;
    if (channel.ownerId === botUserId) return true;
    return (await store.get<boolean>(storeKeys.followed(channel.id))) === true;
  }

  /** Where the answer goes: a reply in the message's channel, or (DISCORD_OPEN_THREAD) a new thread on it. */
  async function destination(
    message: Message,
    openThread: boolean,
    log: Logger,
  ): Promise<{ channel: SendableChannels; replyTo?: Message }> {
    const channel = message.channel as SendableChannels;
    if (!openThread) return { channel, replyTo: message };
    try {
      const thread = message.thread ?? (await message.startThread({ name: threadName(message, client.user!.id) }));
      return { channel: thread, replyTo: undefined };
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not open a thread (missing Create Public Threads?); replying in the channel");
      return { channel, replyTo: message };
    }
  }

  /** The conversation as history; if Discord refuses the reads, the waiting messages alone (an answer beats none). */
  async function buildHistory(message: Message, earlier: Message[], botUserId: string, log: Logger): Promise<ReadHistoryResult> {
    try {
      return await readHistory(message, {
        botUserId,
        charBudget: options.historyCharBudget ?? 24_000,
        ...(options.maxMessageChars !== undefined ? { maxMessageChars: options.maxMessageChars } : {}),
        include: earlier,
      });
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not read the Discord conversation (missing Read Message History?); answering the message alone");
      return { history: [...earlier, message].map((m) => toHistoryMessage(m, botUserId)) };
    }
  }

  async function whenIdle(): Promise<void> {
    do {
      await work.whenIdle();
      await coordinator.idle();
    } while (work.size > 0);
  }

  const guarded = guardDispatches(client, (type, error) => {
    logger.warn({ type, err: describeError(error) }, "Malformed Discord gateway dispatch ignored");
  });
  if (!guarded) logger.warn("This discord.js has no packet handler to guard: a malformed gateway dispatch could end the process");

  client.on(Events.MessageCreate, (message) => {
    if (accepting) work.track(onMessage(message));
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    if (accepting) work.track(onReaction(reaction, user));
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
      await idleWithin(graceMs, whenIdle);
      // Aborts the answers still running (their replies say they were stopped) and releases their locks.
      await coordinator.close();
      await work.drain(0);
      // Last: destroying the client also drops its token, which running answers still need to edit their replies.
      await client.destroy();
      logger.info("Discord adapter stopped");
    },
    whenIdle,
  };
}

/** What the gate needs to know about where a request comes from. */
function placeForGate(
  userId: string,
  channelId: string,
  channel: TextBasedChannel | null,
  guildId: string | null,
): AccessRequest {
  return {
    platform: "discord",
    userId,
    channelId,
    ...(channel?.isThread() && channel.parentId ? { parentChannelId: channel.parentId } : {}),
    ...(guildId ? { guildId } : {}),
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
