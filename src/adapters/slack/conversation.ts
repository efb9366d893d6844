/**
 * What a Slack "conversation" is for the per-thread coordinator: a thread (`slack:<team>:<channel>:<thread ts>`;
 * a mention outside a thread starts one on itself), and the message waiting in its queue.
 */
import { z } from "zod";
import type { PlatformDescription, QueuedItems } from "../../core/platform.js";
import { compareTs, type SlackFile } from "./history-reader.js";

export const SLACK: PlatformDescription = { name: "slack", displayName: "Slack", threadNoun: "thread" };

/**
 * One accepted Slack message waiting in its thread's queue. Plain JSON: it is kept in the state store and may be
 * answered by another replica.
 */
export interface QueuedSlackMessage {
  team: string;
  channel: string;
  threadTs: string;
  ts: string;
  user?: string;
  botId?: string;
  text: string;
  files: SlackFile[];
  /**
   * The bot posted this message for `user` (the question of a slash command): the model reads it as that
   * person's question, not as the bot's own words.
   */
  askedFor?: boolean;
}

/** What a queued message must have when it comes back from the store (extra fields are a newer version's). */
const queuedMessageShape = z.looseObject({
  team: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  ts: z.string(),
  text: z.string(),
  files: z.array(z.unknown()),
});

/** Queue items come back from the store; one written by another version must not break the run. */
export function isQueuedMessage(item: unknown): item is QueuedSlackMessage {
  return queuedMessageShape.safeParse(item).success;
}

export const queuedItems: QueuedItems<QueuedSlackMessage> = {
  isQueuedItem: isQueuedMessage,
  compareItems: (a, b) => compareTs(a.ts, b.ts),
  workspaceOf: (item) => item.team,
};
