import { z } from "zod";
import type { PlatformDescription, QueuedItems } from "../../core/platform.js";

/**
 * What a web "conversation" is for the per-thread coordinator: one conversation of the chat page
 * (`web:<conversation id>`), owned by the user who started it, and the message waiting in its queue.
 */

/** Which platform this is, in names and words. */
export const WEB: PlatformDescription = { name: "web", displayName: "Web chat", threadNoun: "conversation" };

/** One accepted web message waiting in its conversation's queue. Plain JSON: it is kept in the store. */
export interface QueuedWebMessage {
  conversationId: string;
  messageId: string;
  /** Its place in the conversation: queue order. */
  seq: number;
  userId: string;
}

/** What a queued message must have when it comes back from the store (extra fields are a newer version's). */
const queuedMessageShape = z.looseObject({
  conversationId: z.string(),
  messageId: z.string(),
  seq: z.number(),
  userId: z.string(),
});

/** Queue items come back from the store; one written by another version must not break the run. */
export function isQueuedMessage(item: unknown): item is QueuedWebMessage {
  return queuedMessageShape.safeParse(item).success;
}

export const queuedItems: QueuedItems<QueuedWebMessage> = {
  isQueuedItem: isQueuedMessage,
  compareItems: (a: QueuedWebMessage, b: QueuedWebMessage) => a.seq - b.seq,
};
