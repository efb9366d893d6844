/**
 * What a Discord "conversation" is, for the per-thread coordinator (one answer at a time per conversation):
 *
 * - a thread: the thread (`discord:<guild>:<thread>`);
 * - a DM: the DM channel (`discord:dm:<channel>`);
 * - a channel: the reply chain, not the whole channel. Unrelated mentions in a busy channel are separate
 *   questions and are answered side by side; a message that replies to the question or to the bot's answer
 *   belongs to that question's conversation and waits for its answer (`discord:<guild>:<channel>:<first message>`).
 *   With DISCORD_OPEN_THREAD a mention opens a thread that takes the mention's id, so its key is that thread's.
 *
 * Which conversation a channel message belongs to is remembered in the store for answered messages and the
 * bot's replies, so replies to them (and stop reactions on the bot's) find it on any replica.
 */
import { z } from "zod";
import type { PlatformDescription, QueuedItems } from "../../core/platform.js";

export const DISCORD: PlatformDescription = { name: "discord", displayName: "Discord", threadNoun: "conversation" };

/** One accepted Discord message waiting in its conversation's queue. Plain JSON: kept in the store, maybe answered by another replica. */
export interface QueuedDiscordMessage {
  /** Absent in DMs. */
  guildId?: string;
  channelId: string;
  messageId: string;
  authorId: string;
  /** Answer in a new thread opened on this message (DISCORD_OPEN_THREAD, a mention in a text channel). */
  openThread?: boolean;
  /** A /ask: `messageId` is the interaction's id, and the answer goes into the interaction's reply. */
  ask?: QueuedAsk;
}

/** What a queued /ask carries: the question, who asked, and the interaction's reply (its token lasts 15 minutes). */
export interface QueuedAsk {
  question: string;
  speaker: string;
  applicationId: string;
  token: string;
  /** When the interaction was created (epoch ms). */
  createdAt: number;
}

/** The shape a queued /ask must have when it comes back from the store. */
const queuedAskShape = z.looseObject({
  question: z.string(),
  speaker: z.string(),
  applicationId: z.string(),
  token: z.string(),
  createdAt: z.number(),
});

export function isQueuedAsk(value: unknown): value is QueuedAsk {
  return queuedAskShape.safeParse(value).success;
}

export interface MessagePlace {
  guildId: string | null;
  channelId: string;
  messageId: string;
  isThread: boolean;
  /** The message this one replies to, in a channel (not a thread starter's link). */
  repliesTo?: string;
  opensThread: boolean;
}

/**
 * The conversation key of a message, given the key remembered for the message it replies to (if any).
 */
export function conversationKey(place: MessagePlace, repliedConversation?: string): string {
  if (!place.guildId) return `discord:dm:${place.channelId}`;
  if (place.isThread) return `discord:${place.guildId}:${place.channelId}`;
  // The thread about to be opened on a message takes that message's id.
  if (place.opensThread) return `discord:${place.guildId}:${place.messageId}`;
  if (place.repliesTo) return repliedConversation ?? `discord:${place.guildId}:${place.channelId}:${place.repliesTo}`;
  return `discord:${place.guildId}:${place.channelId}:${place.messageId}`;
}

const snowflake = z.string().regex(/^\d{1,20}$/);

/** What a queued message must have when it comes back from the store (extra fields are a newer version's). */
const queuedMessageShape = z.looseObject({
  guildId: z.string().optional(),
  channelId: snowflake,
  messageId: snowflake,
  authorId: z.string(),
  ask: queuedAskShape.optional(),
});

/** Queue items come back from the store; one written by another version must not break the run. */
export function isQueuedMessage(item: unknown): item is QueuedDiscordMessage {
  return queuedMessageShape.safeParse(item).success;
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === "string" && /^\d{1,20}$/.test(value);
}

/** Oldest first: snowflakes grow with time. */
export function bySnowflake(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const queuedItems: QueuedItems<QueuedDiscordMessage> = {
  isQueuedItem: isQueuedMessage,
  compareItems: (a, b) => bySnowflake(a.messageId, b.messageId),
  // DMs have no server: together they are one workspace, "dm".
  workspaceOf: (item) => item.guildId ?? "dm",
};
