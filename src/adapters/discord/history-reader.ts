/**
 * Reads the conversation around a Discord message into the shared history, oldest first, the answered message
 * last. In a thread: the thread's messages and its starter message. In a channel or DM: the reply chain when the
 * message replies to another, otherwise the recent messages. Reading stops once the history budget (in
 * characters) is filled; the prompt builder then keeps the newest lines that fit. A /ask's answer carries only its
 * interaction's id, not the question: the question is put back in front of it (`askedQuestion`).
 */
import { MessageReferenceType, type Message, type TextBasedChannel } from "discord.js";
import { contextCost } from "../../history/fit.js";
import type { HistoryMessage } from "../../history/types.js";
import { imageAttachmentCount, plainText, speakerName } from "./discord-text.js";

export interface HistoryReadOptions {
  botUserId: string;
  /** Characters of earlier messages worth reading (HISTORY_CHAR_BUDGET). */
  charBudget: number;
  /** At most this many earlier messages, whatever their length (default 200). */
  maxMessages?: number;
  /** MAX_MESSAGE_CHARS: the Answerer cuts longer messages before the budget applies; read with the same rule. */
  maxMessageChars?: number;
  /**
   * Earlier messages that must be in the history whatever the budget or the reply chain says: the other messages
   * that waited while the bot answered, answered together with `message`.
   */
  include?: readonly Message[];
  /** The question of the bot's reply to a slash command (it is not in any message), if known. */
  askedQuestion?: (message: Message) => Promise<HistoryMessage | undefined>;
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
  /** The Discord messages `history` was made from, in the same order (their attachments are read for the model). */
  sources: Message[];
  /** Where older messages of this channel or thread start (for the read_thread tool); undefined at its start. */
  olderBefore?: string;
}

/** The conversation `message` belongs to, `message` last. Throws only if Discord refuses every read. */
export async function readHistory(message: Message, options: HistoryReadOptions): Promise<ReadHistoryResult> {
  const { messages, olderBefore } = await readEarlier(message, options);
  const read = new Set(messages.map((m) => m.id));
  const missing = (options.include ?? []).filter((m) => m.id !== message.id && !read.has(m.id));
  const earlier = missing.length > 0 ? [...messages, ...missing].sort((a, b) => newestFirst(b, a)) : messages;
  const sources = [...earlier, message];
  const history: HistoryMessage[] = [];
  for (const m of sources) {
    const question = m.interactionMetadata && options.askedQuestion ? await options.askedQuestion(m).catch(() => undefined) : undefined;
    if (question) history.push(question);
    history.push(toHistoryMessage(m, options.botUserId));
  }
  return {
    history,
    sources,
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
  const { messages, reachedStart } = await pageBackwards(channel, before, { chars: Infinity, count: Math.max(1, limit), cost: () => 0 });
  const oldest = messages.at(-1)?.id;
  return {
    messages: messages.reverse().map((m) => toHistoryMessage(m, botUserId)),
    ...(!reachedStart && oldest ? { before: oldest } : {}),
  };
}

async function readEarlier(message: Message, options: HistoryReadOptions): Promise<{ messages: Message[]; olderBefore?: string }> {
  const limits: Limits = {
    chars: Math.max(0, options.charBudget),
    count: Math.max(0, options.maxMessages ?? 200),
    cost: promptCost(options),
  };
  if (limits.chars === 0 || limits.count === 0) return { messages: [], olderBefore: message.id };
  const channel = message.channel;
  if (message.reference?.messageId && message.reference.type === MessageReferenceType.Default && !channel.isThread()) {
    // Older than the chain: the channel's messages before its first link.
    const chain = await replyChain(message, limits);
    return { messages: chain, olderBefore: chain[0]?.id ?? message.id };
  }
  const { messages, reachedStart, overflowed } = await pageBackwards(channel, message.id, limits);
  const ordered = messages.reverse();
  // The prompt keeps the newest lines that fit the budget, so it drops the one message read past it (and says
  // so); read_thread starts with that one: nothing is left out between the prompt and the tool, nothing repeated.
  const olderBefore = reachedStart && !overflowed ? undefined : ((overflowed ? ordered[1]?.id : ordered[0]?.id) ?? message.id);
  if (channel.isThread() && reachedStart && !overflowed) {
    const starter = await channel.fetchStarterMessage().catch(() => null);
    if (starter && !ordered.some((m) => m.id === starter.id)) ordered.unshift(starter);
  }
  return { messages: ordered, ...(olderBefore ? { olderBefore } : {}) };
}

interface Limits {
  chars: number;
  count: number;
  /** What one message costs against `chars`. */
  cost: (message: Message) => number;
}

/**
 * What a message costs in the prompt's history budget, by src/history/fit.ts's rule. Counting more than the
 * prompt would is safe (the prompt keeps all that was read); counting less would leave messages in neither the
 * prompt nor read_thread.
 */
function promptCost(options: HistoryReadOptions): (message: Message) => number {
  return (message) => contextCost(toHistoryMessage(message, options.botUserId), options.maxMessageChars);
}

/**
 * Messages before `beforeId`, newest first, until the channel's start (`reachedStart`), the count limit, or one
 * message past the character budget (`overflowed`: the last one returned is that message).
 */
async function pageBackwards(
  channel: TextBasedChannel,
  beforeId: string,
  limits: Limits,
): Promise<{ messages: Message[]; reachedStart: boolean; overflowed: boolean }> {
  const messages: Message[] = [];
  let chars = 0;
  let before = beforeId;
  for (;;) {
    const limit = Math.min(PAGE, limits.count - messages.length);
    const page = [...(await channel.messages.fetch({ limit, before, cache: false })).values()].sort(newestFirst);
    for (const message of page) {
      if (message.system) continue;
      messages.push(message);
      chars += limits.cost(message);
      if (chars > limits.chars) return { messages, reachedStart: false, overflowed: true };
      if (messages.length >= limits.count) return { messages, reachedStart: false, overflowed: false };
    }
    if (page.length < limit) return { messages, reachedStart: true, overflowed: false };
    before = page.at(-1)!.id;
  }
}

/** The messages `message` replies to, transitively, oldest first. A deleted link ends the chain quietly. */
async function replyChain(message: Message, limits: Limits): Promise<Message[]> {
  const chain: Message[] = [];
  let chars = 0;
  let reference = message.reference;
  const seen = new Set([message.id]);
  while (reference?.messageId && reference.type === MessageReferenceType.Default && chain.length < limits.count && chars <= limits.chars) {
    if (seen.has(reference.messageId)) break;
    seen.add(reference.messageId);
    const channel = message.client.channels.cache.get(reference.channelId);
    const source = channel?.isTextBased() ? channel : message.channel;
    const parent = await source.messages.fetch({ message: reference.messageId, cache: false }).catch(() => null);
    if (!parent) break;
    chain.push(parent);
    chars += limits.cost(parent);
    reference = parent.reference;
  }
  return chain.reverse();
}

function newestFirst(a: Message, b: Message): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x > y ? -1 : x < y ? 1 : 0;
}
