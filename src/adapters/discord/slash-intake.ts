/**
 * Slash commands into the core's intake. `/ask <question>` is deferred at once (Discord allows 3 s), then handed
 * to the intake like any message: its own conversation, claimed once by the interaction's id, the same access
 * gate and per-user limit; the answer streams into the interaction's reply (interaction-reply-target.ts).
 * `/new` opens a fresh thread the bot follows, so everything said there is one new conversation; it is held to
 * the access allow-lists like everything else. A /ask's question is kept in the store (its reply carries only the
 * interaction's id), so a later reply to the answer reads it in the conversation's history.
 */
import { ChannelType, MessageFlags, type ChatInputCommandInteraction, type Client, type SendableChannels } from "discord.js";
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";
import type { Intake } from "../../core/intake.js";
import type { AdapterRequestGate } from "../../core/adapter-options.js";
import type { ThreadTurn } from "../../core/platform.js";
import type { EditBudget } from "../../reply/target.js";
import type { AccessRequest } from "../../safety/access.js";
import type { QueuedAsk, QueuedDiscordMessage } from "./conversation.js";
import { AnswerButtons } from "./answer-controls.js";
import { rememberAnswer } from "./answer-record.js";
import { DeferredAsks } from "./deferred-asks.js";
import { REFUSED_SILENTLY_SENTENCE } from "./ephemeral-reply-target.js";
import { InteractionReplyTarget } from "./interaction-reply-target.js";
import { usageCommandReply } from "../../usage/usage-command.js";
import type { UsageLedger } from "../../usage/usage-ledger.js";
import { ASK_COMMAND, ASK_QUESTION_OPTION, NEW_COMMAND, USAGE_COMMAND } from "./slash-commands.js";
import { discordSettingsKeys, storeKeys } from "./store-keys.js";

export interface SlashIntakeDeps {
  client: Client;
  intake: Intake<QueuedDiscordMessage>;
  budgetFor: (channelId: string) => EditBudget;
  placeForGate: (userId: string, channelId: string, channel: ChatInputCommandInteraction["channel"], guildId: string | null) => AccessRequest;
  typingRenewMs?: number;
  /** How long the interaction's reply is edited before the text moves to a channel message (default 14 min). */
  interactionReplyWindowMs?: number;
  /** The access allow-lists (and per-user limit), for the commands the intake does not see (/new). */
  gate?: AdapterRequestGate;
  /** The day's usage per server, for `/usage`. */
  usage?: UsageLedger;
  logger: Logger;
}

/** A /ask's question as the store keeps it, for the history of later replies to its answer. */
export interface AskedQuestion {
  speaker: string;
  question: string;
}

export function createSlashIntake(deps: SlashIntakeDeps) {
  const { client, intake } = deps;
  const deferred = new DeferredAsks(deps.interactionReplyWindowMs);

  function replyTarget(
    item: QueuedDiscordMessage & { ask: QueuedAsk },
    channel: SendableChannels,
    remember?: string,
    buttons?: AnswerButtons,
  ) {
    return new InteractionReplyTarget({
      client,
      applicationId: item.ask.applicationId,
      token: item.ask.token,
      createdAt: item.ask.createdAt,
      channel,
      budget: deps.budgetFor(channel.id),
      ...(deps.typingRenewMs !== undefined ? { typingRenewMs: deps.typingRenewMs } : {}),
      ...(deps.interactionReplyWindowMs !== undefined ? { replyWindowMs: deps.interactionReplyWindowMs } : {}),
      ...(buttons ? { buttons } : {}),
      onPosted: async (id: string) => {
        deferred.shown(item.messageId);
        // Replies to the answer join its conversation; a stop reaction on it stops it.
        if (!remember) return;
        await Promise.all([
          intake.store.set(storeKeys.botReply(id), remember, intake.followTtlMs),
          intake.store.set(storeKeys.conversation(id), remember, intake.followTtlMs),
        ]);
      },
    });
  }

  async function sendableChannel(channelId: string): Promise<SendableChannels> {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error("The conversation's channel cannot be written to.");
    return channel;
  }

  async function ask(interaction: ChatInputCommandInteraction, log: Logger): Promise<void> {
    // First, before anything that could take time: Discord forgets an interaction not answered within 3 s.
    await interaction.deferReply();
    deferred.deferred(interaction);
    const question = interaction.options.getString(ASK_QUESTION_OPTION, true);
    const channelId = interaction.channelId;
    const threadKey = interaction.guildId
      ? `discord:${interaction.guildId}:${channelId}:${interaction.id}`
      : `discord:dm:${channelId}:${interaction.id}`;
    const member = interaction.inCachedGuild() ? interaction.member : null;
    const item: QueuedDiscordMessage & { ask: QueuedAsk } = {
      ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
      channelId,
      messageId: interaction.id,
      authorId: interaction.user.id,
      ask: {
        question,
        speaker: member?.displayName ?? interaction.user.globalName ?? interaction.user.username,
        applicationId: interaction.applicationId,
        token: interaction.token,
        createdAt: interaction.createdTimestamp,
      },
    };
    const channel = interaction.channel;
    const asked: AskedQuestion = { speaker: item.ask.speaker, question };
    // Without it a reply to the answer reads the answer alone: worth keeping, not worth failing the question for.
    await intake.store.set(storeKeys.askQuestion(interaction.id), asked, intake.followTtlMs).catch((error: unknown) => {
      log.warn({ err: describeError(error) }, "Could not keep a /ask's question for later replies");
    });
    await intake.message({
      kind: "slash",
      messageKey: storeKeys.handled(interaction.id),
      threadKey,
      access: {
        ...deps.placeForGate(interaction.user.id, channelId, channel, interaction.guildId),
        ...(member ? { roleIds: [...member.roles.cache.keys()] } : {}),
      },
      // A refusal is said in the interaction's reply, which is waiting for words.
      openReplyTarget: () => replyTarget(item, channel as SendableChannels),
      item,
      log,
    });
  }

  /**
   * The access lists for a command that costs no model call (the per-user limit is for questions): true when the
   * person was refused, and told so privately.
   */
  async function refusedByGate(interaction: ChatInputCommandInteraction, log: Logger): Promise<boolean> {
    const member = interaction.inCachedGuild() ? interaction.member : null;
    const decision = deps.gate?.check(
      {
        ...deps.placeForGate(interaction.user.id, interaction.channelId, interaction.channel, interaction.guildId),
        ...(member ? { roleIds: [...member.roles.cache.keys()] } : {}),
      },
      { countsTowardLimit: false },
    );
    if (!decision || decision.allowed) return false;
    log.info({ because: decision.because }, `Discord /${interaction.commandName} refused by the safety gate`);
    await interaction.reply({ content: decision.reply ?? REFUSED_SILENTLY_SENTENCE, flags: MessageFlags.Ephemeral });
    return true;
  }

  async function fresh(interaction: ChatInputCommandInteraction, log: Logger): Promise<void> {
    const channel = interaction.channel;
    if (await refusedByGate(interaction, log)) return;
    if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) {
      await interaction.reply({
        content: "Use /new in a server's text channel; anywhere else, /ask starts a conversation of its own.",
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await interaction.deferReply();
    const name = `New conversation with ${client.user?.username ?? "the bot"}`.slice(0, 100);
    const thread = await channel.threads.create({ name, reason: `/new by ${interaction.user.id}` });
    // The bot opened it, so it answers everything said there (a thread the bot owns is followed).
    await interaction.editReply({ content: `A fresh conversation: <#${thread.id}>. Ask there; I answer every message in it.` });
  }

  /** `/usage`: the server's use today (DMs count together as "dm"), seen only by the asker. */
  async function usage(interaction: ChatInputCommandInteraction, log: Logger): Promise<void> {
    if (await refusedByGate(interaction, log)) return;
    // Deferred first: the figures come from the store, which may take longer than Discord's 3 s.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const content = await usageCommandReply(deps.usage, { platform: "discord", workspace: interaction.guildId ?? "dm" }, log);
    await interaction.editReply({ content });
  }

  /** Handles one slash command; never throws (a failure is logged and, when possible, said). */
  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const log = deps.logger.child({ interaction: interaction.id, command: interaction.commandName, channel: interaction.channelId });
    try {
      if (interaction.commandName === ASK_COMMAND) await ask(interaction, log);
      else if (interaction.commandName === NEW_COMMAND) await fresh(interaction, log);
      else if (interaction.commandName === USAGE_COMMAND) await usage(interaction, log);
      else log.debug("Unknown slash command ignored");
    } catch (error) {
      log.warn({ err: describeError(error) }, "A Discord slash command failed");
      const sorry = "Sorry, that command failed; please try again in a minute.";
      await (interaction.deferred || interaction.replied ? interaction.editReply({ content: sorry }) : interaction.reply({ content: sorry })).catch(() => undefined);
    }
  }

  /** The turn of a queued /ask: the question alone (a new conversation), answered into the interaction's reply. */
  async function readAskTurn(threadKey: string, item: QueuedDiscordMessage & { ask: QueuedAsk }): Promise<ThreadTurn> {
    const channel = await sendableChannel(item.channelId);
    await rememberAnswer(intake.store, item.messageId, { threadKey, askerIds: [item.authorId] }, intake.followTtlMs);
    return {
      history: [{ role: "user", speaker: item.ask.speaker, text: item.ask.question, imageCount: 0 }],
      images: [],
      target: replyTarget(item, channel, threadKey, new AnswerButtons(item.messageId)),
      settingsKeys: discordSettingsKeys(channel.id, channel.isThread() ? channel.parentId : undefined),
    };
  }

  async function openAskTarget(item: QueuedDiscordMessage & { ask: QueuedAsk }) {
    return replyTarget(item, await sendableChannel(item.channelId));
  }

  /** At shutdown, once the intake has drained: /ask replies still thinking say why. */
  const settleDeferred = (log: Logger) => deferred.settle(log);

  return Object.assign(onCommand, { readAskTurn, openAskTarget, settleDeferred });
}
