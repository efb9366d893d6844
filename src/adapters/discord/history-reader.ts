/**
 * Reads the conversation around a Discord message into the shared history, oldest first, the answered message
 * last. In a thread: the thread's messages and its starter message. In a channel or DM: the reply chain when the
 * message replies to another, otherwise the recent messages. Reading stops once the history budget (in
 * characters) is filled; the prompt builder then keeps the newest lines that fit.
 */
import { MessageReferenceType, type Message, type TextBasedChannel } from "discord.js";
import type { HistoryMessage } from "../../history/types.js";
import { imageAttachmentCount, plainText, speakerName } from "./discord-text.js";

export interface HistoryReadOptions {
  botUserId: string;
  /** Characters of earlier messages worth reading (HISTORY_CHAR_BUDGET). */
  charBudget: number;
  /** At most this many earlier messages, whatever their length (default 200). */
  maxMessages?: number;
}

const PAGE = 100;

/** One Discord message as a history entry: the bot itself is the assistant, everyone else (bots too) a user. */
export function toHistoryMessage(message: Message, botUserId: string): HistoryMessage {
  const own = message.author.id === botUserId;
  return {
    role: own ? "assistant" : "user",
    speaker: own ? "" : speakerName(message),
    text: own ? message.content : plainText(message, botUserId),
    imageCount: imageAttachmentCount(message),
    ...(!own && (message.author.bot || message.webhookId !== null) ? { isBot: true } : {}),
  };
}

export interface ReadHistoryResult {
  history: HistoryMessage[];
  /** Where older messages of this channel or thread start (for the read_thread tool); undefined at its start. */
  olderBefore?: string;
}

/** The conversation `message` belongs to, `message` last. Throws only if Discord refuses every read. */
export async function readHistory(message: Message, options: HistoryReadOptions): Promise<ReadHistoryResult> {
  const { messages, olderBefore } = await readEarlier(message, options);
  return {
    history: [...messages, message].map((m) => toHistoryMessage(m, options.botUserId)),
    ...(olderBefore ? { olderBefore } : {}),
  };
}

/**
 * Up to `limit` messages of the channel or thread before `before`, oldest first, and where the page before them
 * starts (undefined at the channel's start). Backs the read_thread tool.
 */
export async function readOlder(
  channel: TextBasedChannel,
  before: string,
  limit: number,
  botUserId: string,
): Promise<{ messages: HistoryMessage[]; before?: string }> {
  const { messages, reachedStart } = await pageBackwards(channel, before, { chars: Infinity, count: Math.max(1, limit) });
  const oldest = messages.at(-1)?.id;
  return {
    messages: messages.reverse().map((m) => toHistoryMessage(m, botUserId)),
    ...(!reachedStart && oldest ? { before: oldest } : {}),
  };
}

async function readEarlier(message: Message, options: HistoryReadOptions): Promise<{ messages: Message[]; olderBefore?: string }> {
  const limits = { chars: Math.max(0, options.charBudget), count: Math.max(0, options.maxMessages ?? 200) };
  if (limits.chars === 0 || limits.count === 0) return { messages: [], olderBefore: message.id };
  const channel = message.channel;
  if (channel.isThread()) {
    const { messages, reachedStart } = await pageBackwards(channel, message.id, limits);
    const starter = reachedStart ? await channel.fetchStarterMessage().catch(() => null) : null;
    const ordered = messages.reverse();
    const olderBefore = reachedStart ? undefined : ordered[0]?.id;
    if (starter && !ordered.some((m) => m.id === starter.id)) ordered.unshift(starter);
    return { messages: ordered, ...(olderBefore ? { olderBefore } : {}) };
  }
  if (message.reference?.messageId && message.reference.type === MessageReferenceType.Default) {
    // Older than the chain: the channel's messages before its first link.
    const chain = await replyChain(message, limits);
    return { messages: chain, olderBefore: chain[0]?.id ?? message.id };
  }
  const { messages, reachedStart } = await pageBackwards(channel, message.id, limits);
  const ordered = messages.reverse();
  return { messages: ordered, ...(!reachedStart ? { olderBefore: ordered[0]?.id ?? message.id } : {}) };
}

interface Limits {
  chars: number;
  count: number;
}

/** Messages before `beforeId`, newest first, until a limit is reached or the channel's start (`reachedStart`). */
async function pageBackwards(
  channel: TextBasedChannel,
  beforeId: string,
  limits: Limits,
): Promise<{ messages: Message[]; reachedStart: boolean }> {
  const messages: Message[] = [];
  let chars = 0;
  let before = beforeId;
  for (;;) {
    const limit = Math.min(PAGE, limits.count - messages.length);
    const page = [...(await channel.messages.fetch({ limit, before, cache: false })).values()].sort(newestFirst);
    for (const message of page) {
      if (message.system) continue;
      messages.push(message);
      chars += message.content.length;
      if (chars >= limits.chars || messages.length >= limits.count) return { messages, reachedStart: false };
    }
    if (page.length < limit) return { messages, reachedStart: true };
    before = page.at(-1)!.id;
  }
}

/** The messages `message` replies to, transitively, oldest first. A deleted link ends the chain quietly. */
async function replyChain(message: Message, limits: Limits): Promise<Message[]> {
  const chain: Message[] = [];
  let chars = 0;
  let reference = message.reference;
  const seen = new Set([message.id]);
  while (reference?.messageId && reference.type === MessageReferenceType.Default && chain.length < limits.count && chars < limits.chars) {
    if (seen.has(reference.messageId)) break;
    seen.add(reference.messageId);
    const channel = message.client.channels.cache.get(reference.channelId);
    const source = channel?.isTextBased() ? channel : message.channel;
    const parent = await source.messages.fetch({ message: reference.messageId, cache: false }).catch(() => null);
    if (!parent) break;
    chain.push(parent);
    chars += parent.content.length;
    reference = parent.reference;
  }
  return chain.reverse();
}

function newestFirst(a: Message, b: Message): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x > y ? -1 : x < y ? 1 : 0;
}
