/**
 * The Discord adapter: receives messages through discord.js and translates them for the core's intake
 * (src/core/intake.ts), which decides, once for every platform, what gets answered and when. Here: which
 * messages are addressed to the bot (message-filter.ts), the conversation a message belongs to (conversation.ts),
 * "stop" said or a ✋/❌ reaction on the bot's reply, reading a conversation into a history (thread-turn.ts), and
 * the reply target that renders answers as Discord Markdown; slash commands (slash-intake.ts) and the Stop and
 * 👍 / 👎 buttons under each answer (answer-controls.ts, button-presses.ts).
 */
import {
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
import type { AdapterCommonOptions, CoordinatorTuning } from "../../core/adapter-options.js";
import { describeError } from "../../core/describe-error.js";
import { Intake } from "../../core/intake.js";
import type { Platform, PlatformThreads } from "../../core/platform.js";
import { budgets as defaultBudgets, type BudgetRate } from "../../reply/budget/budget.js";
import type { AccessRequest } from "../../safety/access.js";
import { connect, createDiscordClient } from "./connection.js";
import { DISCORD, conversationKey, isSnowflake, queuedItems, type QueuedAsk, type QueuedDiscordMessage } from "./conversation.js";
import { plainText } from "./discord-text.js";
import { guardDispatches } from "./dispatch-guard.js";
import { FreshMessages } from "./fresh-messages.js";
import { classifyMessage, isWellFormed, messageFacts, } from "./message-filter.js";
import { NestedBudget } from "../../reply/budget/nested-budget.js";
import { DISCORD_BOT_RATE, DISCORD_CHANNEL_RATE, DiscordReplyTarget, replyChannelOf } from "./reply-target.js";
import { isStopReaction, isStopText } from "./stop-request.js";
import { conversationLookups, placeOf } from "./conversation-lookup.js";
import { storeKeys } from "./store-keys.js";
import { readThreadTurn } from "./thread-turn.js";
import { SLASH_COMMANDS, registerSlashCommands } from "./slash-commands.js";
import { commandNamed, runAutocomplete, runCommand, type DiscordCommand } from "./command-table.js";
import { settingsCommands } from "./settings-commands.js";
import { createSlashIntake } from "./slash-intake.js";
import { createButtonPresses } from "./button-presses.js";
import type { Metrics } from "../../ops/metrics.js";

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
  /**
   * Creates, edits and typing calls across all channels (default 40 per second, of Discord's 50 per bot);
   * discord.js's own global queue is set a little above it (9/8), still under Discord's limit.
   */
  botRate?: BudgetRate;
  /** How often a reply renews "is typing" while nothing new shows (default 8 s, under Discord's 10 s). */
  typingRenewMs?: number;
  /** DISCORD_GUILD_IDS: register the slash commands in these guilds instead of globally. */
  commandGuildIds?: readonly string[];
  /** How long a /ask's interaction reply is edited before its text moves to a channel message (default 14 min). */
  interactionReplyWindowMs?: number;
  /** How long `start` waits for the gateway (default 60 s). */
  readyTimeoutMs?: number;
  /** Counts 👍 / 👎 votes (Prometheus). */
  metrics?: Pick<Metrics, "feedback">;
}

export interface DiscordAdapter extends Platform {
  start(): Promise<{ botUserId: string; botName: string }>;
  /** The discord.js client (tests). */
  readonly client: Client;
}

/** Replays of a reaction come within minutes; after that, taking it off and on again stops again. */
const REACTION_REPLAY_MS = 10 * 60_000;

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const logger = options.logger.child({ platform: "discord" });
  const botRate = options.botRate ?? DISCORD_BOT_RATE;
  const client = createDiscordClient({
    apiUrl: options.apiUrl,
    ...(options.botRate ? { globalRequestsPerSecond: Math.floor((botRate.calls * 1000 * 9) / (botRate.perMs * 8)) } : {}),
  });
  const budgets = options.budgets ?? defaultBudgets;
  const rate = options.channelRate ?? DISCORD_CHANNEL_RATE;
  // Discord's global limit is per bot: every replica of this bot shares the one budget (through the store).
  const botBudget = () => budgets.forScope(`discord:bot:${client.user?.id ?? "self"}`, botRate);
  const budgetFor = (channelId: string) => new NestedBudget(budgets.forScope(`discord:channel:${channelId}`, rate), botBudget());
  const typingOption = options.typingRenewMs !== undefined ? { typingRenewMs: options.typingRenewMs } : {};
  let receiving = false;
  // The gateway's copy of a mention, so its run need not fetch it again (fresh-messages.ts).
  const freshMessages = new FreshMessages();

  const threads: PlatformThreads<QueuedDiscordMessage> = {
    ...DISCORD,
    ...queuedItems,
    async openReplyTarget(item) {
      if (isAsk(item)) return slash.openAskTarget(item);
      const channel = await client.channels.fetch(item.channelId);
      if (!channel?.isSendable()) throw new Error("The conversation's channel cannot be written to.");
      return new DiscordReplyTarget({ channel, budget: budgetFor(channel.id), maxMessageLength: options.maxMessageLength, ...typingOption });
    },
    async reopenReplyTarget(item, messageIds) {
      const channel = await replyChannelOf(client, item, messageIds);
      return new DiscordReplyTarget({ channel, budget: budgetFor(channel.id), maxMessageLength: options.maxMessageLength, clearButtonsOnEdit: true });
    },
    async readTurn(threadKey, batch, log) {
      const newest = batch.at(-1);
      if (newest && isAsk(newest)) return slash.readAskTurn(threadKey, newest);
      const botUserId = client.user?.id;
      if (!botUserId) return undefined;
      return readThreadTurn(threadKey, batch, {
        client,
        store: intake.store,
        botUserId,
        budgetFor,
        freshMessages,
        ...typingOption,
        followTtlMs: intake.followTtlMs,
        downloadImages: options.downloadImages ?? false,
        apiUrl: options.apiUrl,
        maxImages: options.maxImages,
        maxImageBytes: options.maxImageBytes,
        ...(options.textFiles ? { textFiles: options.textFiles } : {}),
        historyCharBudget: options.historyCharBudget ?? 24_000,
        ...(options.maxMessageChars !== undefined ? { maxMessageChars: options.maxMessageChars } : {}),
        maxMessageLength: options.maxMessageLength,
        logger: log,
      });
    },
  };

  const intake = new Intake<QueuedDiscordMessage>(threads, options, logger);
  const lookups = conversationLookups(intake.store);
  const slash = createSlashIntake({
    client,
    intake,
    budgetFor,
    placeForGate,
    ...typingOption,
    ...(options.interactionReplyWindowMs !== undefined ? { interactionReplyWindowMs: options.interactionReplyWindowMs } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
    logger,
  });
  const buttonPress = createButtonPresses({
    intake,
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    placeForGate,
    logger,
  });

  /** Slash commands beyond /ask and /new, each in its own module (command-table.ts). */
  const commandTable: DiscordCommand[] = [
    ...settingsCommands({
      store: intake.store,
      ...(options.models ? { models: options.models } : {}),
      ...(options.gate ? { gate: options.gate } : {}),
      placeForGate,
      logger,
    }),
  ];

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
    if (verdict.kind === "ignore" && !(stop && (await lookups.repliesToBot(message)))) {
      log.trace({ reason: verdict.reason }, "Discord message ignored");
      return;
    }
    const channel = message.channel;
    if (verdict.kind === "followup" && !channel.isThread()) return;
    const place = placeOf(message, verdict, options.openThread ?? false);
    const common = {
      // A thread the bot opened itself is followed without asking the store.
      ...(verdict.kind === "followup" && !(channel.isThread() && channel.ownerId === botUserId)
        ? { followedKey: storeKeys.followed(channel.id) }
        : {}),
      access: {
        ...placeForGate(message.author.id, channel.id, channel, message.guildId),
        ...(message.member ? { roleIds: [...message.member.roles.cache.keys()] } : {}),
      },
      openReplyTarget: () => new DiscordReplyTarget({ channel: channel as SendableChannels, replyTo: message, budget: budgetFor(channel.id), ...typingOption }),
      log,
    };
    // One answer per Discord message: a resumed session's replay and a duplicate delivery both land here.
    const messageKey = storeKeys.handled(message.id);
    if (stop) {
      await intake.stop({ ...common, threadKey: await lookups.stopTarget(place), claim: { key: messageKey } });
      return;
    }
    const threadKey = conversationKey(place, place.repliesTo ? await lookups.rememberedConversation(place.repliesTo) : undefined);
    freshMessages.remember(message);
    await intake.message({
      ...common,
      kind: verdict.kind,
      messageKey,
      threadKey,
      remember: [
        [storeKeys.conversation(message.id), threadKey],
        ...(place.guildId && !place.isThread ? [[storeKeys.latestInChannel(place.channelId), threadKey] as const] : []),
        ...(place.isThread ? [[storeKeys.followed(place.channelId), true] as const] : []),
      ],
      item: {
        ...(message.guildId ? { guildId: message.guildId } : {}),
        channelId: message.channelId,
        messageId: message.id,
        authorId: message.author.id,
        ...(place.opensThread ? { openThread: true } : {}),
      },
    });
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
    const threadKey = await intake.store.get<string>(storeKeys.botReply(message.id));
    if (typeof threadKey !== "string") {
      log.debug("Stop reaction on a message that is not one of the bot's answers; ignored");
      return;
    }
    const channel = message.channel as TextBasedChannel | null;
    const member = message.guild?.members.cache.get(user.id);
    await intake.stop({
      threadKey,
      claim: { key: storeKeys.reaction(message.id, user.id, reaction.emoji.name ?? ""), ttlMs: REACTION_REPLAY_MS },
      access: {
        ...placeForGate(user.id, message.channelId, channel, message.guildId),
        ...(member ? { roleIds: [...member.roles.cache.keys()] } : {}),
      },
      openReplyTarget: () => new DiscordReplyTarget({ channel: channel as SendableChannels, budget: budgetFor(message.channelId), ...typingOption }),
      log,
    });
  }

  const guarded = guardDispatches(client, (type, error) => {
    logger.warn({ type, err: describeError(error) }, "Malformed Discord gateway dispatch ignored");
  });
  if (!guarded) logger.warn("This discord.js has no packet handler to guard: a malformed gateway dispatch could end the process");

  client.on(Events.MessageCreate, (message) => {
    if (receiving) intake.track(onMessage(message));
  });
  // An edited or deleted message is read again when its turn comes.
  client.on(Events.MessageUpdate, (_old, message) => freshMessages.forget(message.id));
  client.on(Events.MessageDelete, (message) => freshMessages.forget(message.id));
  client.on(Events.MessageBulkDelete, (messages) => {
    for (const id of messages.keys()) freshMessages.forget(id);
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    if (receiving) intake.track(onReaction(reaction, user));
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!receiving) return;
    if (interaction.isAutocomplete()) {
      const command = commandNamed(commandTable, interaction.commandName);
      if (command) intake.track(runAutocomplete(command, interaction, logger));
      return;
    }
    if (interaction.isButton()) {
      intake.track(buttonPress(interaction));
      return;
    }
    if (!interaction.isChatInputCommand()) return;
    const command = commandNamed(commandTable, interaction.commandName);
    intake.track(command ? runCommand(command, interaction, logger) : slash(interaction));
  });
  client.on(Events.Error, (error) => logger.error({ err: describeError(error) }, "Discord client error"));
  client.on(Events.Warn, (warning) => logger.warn({ warning }, "Discord client warning"));
  client.on(Events.ShardResume, (_id, replayed) => logger.info({ replayed }, "Discord gateway session resumed"));
  client.on(Events.ShardReconnecting, () => logger.info("Discord gateway reconnecting"));

  return {
    ...DISCORD,
    client,
    health: () => (client.isReady() ? { ok: true } : { ok: false, detail: "not connected to Discord" }),
    async identity() {
      const user = client.user;
      if (!user) throw new Error("Discord is not connected yet.");
      return { botUserId: user.id, botName: user.username };
    },
    async start() {
      receiving = true;
      await connect(client, { token: options.token, readyTimeoutMs: options.readyTimeoutMs });
      const user = client.user!;
      if (client.isReady()) await registerSlashCommands(client, options.commandGuildIds ?? [], logger, [...SLASH_COMMANDS, ...commandTable.map((c) => c.data)]);
      logger.info({ botUserId: user.id, botName: user.username, guilds: client.guilds.cache.size }, "Discord adapter started");
      intake.startResuming();
      return { botUserId: user.id, botName: user.username };
    },
    async stop(graceMs = 30_000) {
      receiving = false;
      await intake.drain(graceMs);
      await slash.settleDeferred(logger);
      // Last: destroying the client also drops its token, which running answers still need to edit their replies.
      await client.destroy();
      logger.info("Discord adapter stopped");
    },
    whenIdle: () => intake.whenIdle(),
  };
}

/** What the gate needs to know about where a request comes from. */
function placeForGate(userId: string, channelId: string, channel: TextBasedChannel | null, guildId: string | null): AccessRequest {
  return {
    platform: "discord",
    userId,
    channelId,
    ...(channel?.isThread() && channel.parentId ? { parentChannelId: channel.parentId } : {}),
    ...(guildId ? { guildId } : {}),
  };
}

function isAsk(item: QueuedDiscordMessage): item is QueuedDiscordMessage & { ask: QueuedAsk } {
  return item.ask !== undefined;
}
