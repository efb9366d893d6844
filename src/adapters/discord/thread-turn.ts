/**
 * What one run of a Discord conversation hands the core: the waiting messages fetched again (the run may be on
 * another replica, and a message may have been edited or deleted meanwhile), the conversation read as history
 * (answering the newest), the images of the waiting messages, the text files of the conversation read, the
 * notices about what it could not take,
 * the read_thread pages older than the history, and the reply target (a reply, or a new thread on the message).
 */
import type { Client, Message, SendableChannels, TextBasedChannel } from "discord.js";
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";
import type { ThreadTurn } from "../../core/platform.js";
import type { HistoryMessage } from "../../history/types.js";
import type { EditBudget } from "../../reply/target.js";
import type { StateStore } from "../../store/types.js";
import type { ReadOlder } from "../../tools/read-thread.js";
import type { TextFileLimits } from "../../media/text-files.js";
import type { QueuedDiscordMessage } from "./conversation.js";
import { plainText } from "./discord-text.js";
import { readHistory, readOlder, toHistoryMessage, type ReadHistoryResult } from "./history-reader.js";
import { fetchImages } from "./image-fetch.js";
import { AnswerButtons } from "./answer-controls.js";
import { rememberAnswer } from "./answer-record.js";
import { fetchTextFiles } from "./text-file-fetch.js";
import type { FreshMessages } from "./fresh-messages.js";
import { DiscordReplyTarget } from "./reply-target.js";
import type { AskedQuestion } from "./slash-intake.js";
import { discordSettingsKeys, storeKeys } from "./store-keys.js";

export interface ThreadTurnDeps {
  client: Client;
  store: StateStore;
  botUserId: string;
  /** The channel's create + edit budget. */
  budgetFor: (channelId: string) => EditBudget;
  /** Messages the gateway just delivered here: used instead of fetching them again. */
  freshMessages?: FreshMessages;
  /** How often the reply renews "is typing" (default 8 s). */
  typingRenewMs?: number;
  followTtlMs: number;
  downloadImages: boolean;
  apiUrl?: string;
  maxImages?: number;
  maxImageBytes?: number;
  /** Text files of the conversation for the model (MAX_TEXT_FILES ...); none read without. */
  textFiles?: TextFileLimits;
  historyCharBudget: number;
  maxMessageChars?: number;
  maxMessageLength?: number;
  logger: Logger;
}

const THREAD_NAME_MAX = 100;

/** `batch` oldest first (the last one is answered); undefined when every waiting message is gone. */
export async function readThreadTurn(threadKey: string, batch: readonly QueuedDiscordMessage[], deps: ThreadTurnDeps): Promise<ThreadTurn | undefined> {
  const log = deps.logger.child({ messageId: batch.at(-1)?.messageId });
  const messages = await fetchMessages(batch, deps.client, log, deps.freshMessages);
  const answered = messages.at(-1);
  if (!answered) {
    log.info("The waiting messages were deleted or cannot be read; nothing to answer");
    return undefined;
  }
  const opensThread = batch.find((item) => item.messageId === answered.id)?.openThread ?? false;
  const { channel, replyTo } = await destination(answered, opensThread, deps.botUserId, log);
  if (channel.isThread()) await deps.store.set(storeKeys.followed(channel.id), true, deps.followTtlMs);

  const { history, sources, olderBefore } = await buildHistory(answered, messages.slice(0, -1), deps, log);
  const { images, notices: imageNotices } = deps.downloadImages
    ? await fetchImages(messages, { apiUrl: deps.apiUrl, maxCount: deps.maxImages, maxBytes: deps.maxImageBytes, logger: log })
    : { images: [], notices: [] };
  // The answer's buttons name the message it answers; who may stop it is kept for a press on any replica.
  await rememberAnswer(deps.store, answered.id, { threadKey, askerIds: [...new Set(batch.map((item) => item.authorId))] }, deps.followTtlMs);
  const asked = new Set(messages.map((m) => m.id));
  const { files, notices: fileNotices } = deps.textFiles
    ? await fetchTextFiles(sources, asked, deps.botUserId, deps.textFiles, { apiUrl: deps.apiUrl, logger: log })
    : { files: [], notices: [] };
  const notices = [...imageNotices, ...fileNotices];
  const target = new DiscordReplyTarget({
    channel,
    replyTo,
    buttons: new AnswerButtons(answered.id),
    budget: deps.budgetFor(channel.id),
    maxMessageLength: deps.maxMessageLength,
    ...(deps.typingRenewMs !== undefined ? { typingRenewMs: deps.typingRenewMs } : {}),
    // Replies to the answer join its conversation; a stop reaction on it stops it.
    onPosted: async (id) => {
      await Promise.all([
        deps.store.set(storeKeys.botReply(id), threadKey, deps.followTtlMs),
        deps.store.set(storeKeys.conversation(id), threadKey, deps.followTtlMs),
      ]);
    },
  });
  // The read_thread tool pages further back in the conversation's own channel or thread.
  const source = answered.channel;
  const older: ReadOlder | undefined = olderBefore
    ? (before, limit) => readOlder(source, before ?? olderBefore, limit, deps.botUserId)
    : undefined;
  return {
    history,
    images,
    ...(files.length > 0 ? { files } : {}),
    target,
    ...(older ? { readOlder: older } : {}),
    ...(notices.length > 0 ? { notices } : {}),
    settingsKeys: discordSettingsKeys(channel.id, channel.isThread() ? channel.parentId : undefined),
  };
}

/**
 * The batch's messages as Discord has them now, oldest first; deleted or unreadable ones are left out. A message
 * the gateway just delivered here, unedited since, is as Discord has it now: it is not fetched again.
 */
async function fetchMessages(batch: readonly QueuedDiscordMessage[], client: Client, log: Logger, fresh?: FreshMessages): Promise<Message[]> {
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
      const delivered = fresh?.take(item.messageId);
      if (delivered && delivered.channelId === item.channelId) return delivered;
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

/** Where the answer goes: a reply in the message's channel, or (DISCORD_OPEN_THREAD) a new thread on it. */
async function destination(
  message: Message,
  openThread: boolean,
  botUserId: string,
  log: Logger,
): Promise<{ channel: SendableChannels; replyTo?: Message }> {
  const channel = message.channel as SendableChannels;
  if (!openThread) return { channel, replyTo: message };
  try {
    const thread = message.thread ?? (await message.startThread({ name: threadName(message, botUserId) }));
    return { channel: thread, replyTo: undefined };
  } catch (error) {
    log.warn({ err: describeError(error) }, "Could not open a thread (missing Create Public Threads?); replying in the channel");
    return { channel, replyTo: message };
  }
}

/** The conversation as history; if Discord refuses the reads, the waiting messages alone (an answer beats none). */
async function buildHistory(message: Message, earlier: Message[], deps: ThreadTurnDeps, log: Logger): Promise<ReadHistoryResult> {
  try {
    return await readHistory(message, {
      botUserId: deps.botUserId,
      askedQuestion: (reply) => askedQuestion(reply, deps),
      charBudget: deps.historyCharBudget,
      ...(deps.maxMessageChars !== undefined ? { maxMessageChars: deps.maxMessageChars } : {}),
      include: earlier,
    });
  } catch (error) {
    log.warn({ err: describeError(error) }, "Could not read the Discord conversation (missing Read Message History?); answering the message alone");
    const sources = [...earlier, message];
    return { history: sources.map((m) => toHistoryMessage(m, deps.botUserId)), sources };
  }
}

/** The question of the bot's own reply to a /ask, as its asker's message (slash-intake.ts keeps it). */
async function askedQuestion(reply: Message, deps: ThreadTurnDeps): Promise<HistoryMessage | undefined> {
  const interactionId = reply.interactionMetadata?.id;
  if (!interactionId || reply.author.id !== deps.botUserId) return undefined;
  const kept = (await deps.store.get<unknown>(storeKeys.askQuestion(interactionId))) as Partial<AskedQuestion> | null | undefined;
  if (typeof kept?.question !== "string" || typeof kept.speaker !== "string") return undefined;
  return { role: "user", speaker: kept.speaker, text: kept.question, imageCount: 0 };
}

/** A thread title from the question: its first line, shortened to Discord's 100 characters. */
function threadName(message: Message, botUserId: string): string {
  const firstLine = plainText(message, botUserId).split("\n")[0]!.trim();
  const name = firstLine || `Question from ${message.member?.displayName ?? message.author.username}`;
  return name.length > THREAD_NAME_MAX ? `${name.slice(0, THREAD_NAME_MAX - 1)}…` : name;
}
