/**
 * The messages the gateway just delivered, kept for a few seconds so the conversation's run can start from them
 * instead of fetching each again over REST. A run fetches its waiting messages again because it may run on
 * another replica, or after the message was edited or deleted; a run that starts here right after the message
 * arrived, with no edit or delete seen since, would fetch the very same message. At 200 mentions at once those
 * fetches were 200 of the 400 REST reads (Discord allows the bot 50 requests a second in all) that every
 * placeholder waited behind: about 4.5 s. Anything older, edited, deleted, or from another replica is fetched.
 */
import type { Message } from "discord.js";

/** Long enough for a run that starts at once, even on a busy machine; a message that waited longer is fetched. */
export const FRESH_MESSAGE_MS = 15_000;
/** A bound on memory whatever the traffic: past it the oldest are forgotten (and fetched when needed). */
export const FRESH_MESSAGE_LIMIT = 1_000;

export class FreshMessages {
  /** Oldest first (a Map keeps insertion order). */
  private readonly kept = new Map<string, { message: Message; at: number }>();

  constructor(
    private readonly maxAgeMs = FRESH_MESSAGE_MS,
    private readonly limit = FRESH_MESSAGE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** A message as the gateway delivered it. */
  remember(message: Message): void {
    this.kept.delete(message.id);
    this.kept.set(message.id, { message, at: this.now() });
    for (const id of this.kept.keys()) {
      if (this.kept.size <= this.limit) break;
      this.kept.delete(id);
    }
  }

  /** The message was edited or deleted: its delivered copy is out of date. */
  forget(messageId: string): void {
    this.kept.delete(messageId);
  }

  /** The delivered copy, once, if it is still fresh; otherwise undefined (fetch it). */
  take(messageId: string): Message | undefined {
    const entry = this.kept.get(messageId);
    if (!entry) return undefined;
    this.kept.delete(messageId);
    return this.now() - entry.at <= this.maxAgeMs ? entry.message : undefined;
  }
}
