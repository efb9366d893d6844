/**
 * The Discord adapter's store keys, in one place: a message is answered once (`handled`); which conversation a
 * message belongs to; the bot's own replies (the ones a reaction can stop); the newest conversation of a channel
 * (a plain "@bot stop" there stops it); threads the bot follows; stop reactions already acted on; an answer's
 * buttons (who may stop it, the votes on it); a /ask's question (it lives in the interaction, not a message).
 */
export const storeKeys = {
  handled: (messageId: string) => `discord:handled:${messageId}`,
  conversation: (messageId: string) => `discord:conversation:${messageId}`,
  botReply: (messageId: string) => `discord:reply:${messageId}`,
  latestInChannel: (channelId: string) => `discord:latest:${channelId}`,
  followed: (threadId: string) => `discord:followed:${threadId}`,
  /** A resumed session replays reactions too: one reaction stops once. */
  reaction: (messageId: string, userId: string, emoji: string) => `discord:reaction:${messageId}:${userId}:${emoji}`,
  /** An answer with buttons (named by the message it answers): its conversation and who asked. */
  answer: (answerId: string) => `discord:answer:${answerId}`,
  /** One person's 👍/👎 on one answer. */
  feedback: (answerId: string, userId: string) => `discord:feedback:${answerId}:${userId}`,
  /** Who voted on an answer (for the counts its buttons show). */
  voters: (answerId: string) => `discord:voters:${answerId}`,
  /** A /ask's question, by the interaction's id (its reply carries that id, not the question). */
  askQuestion: (interactionId: string) => `discord:ask:${interactionId}`,
  /** A channel's or thread's chosen model (`/model`), kept until changed. */
  modelChoice: (channelId: string) => `discord:model:${channelId}`,
  /** A channel's or thread's own instructions (`/instructions`), kept until cleared. */
  instructions: (channelId: string) => `discord:instructions:${channelId}`,
};

/**
 * Where an answer in `channelId` reads its model and instructions: a thread's own first, then its parent
 * channel's (threads are channels on Discord, so a thread's choice overrides its channel's).
 */
export function discordSettingsKeys(channelId: string, parentId?: string | null): { model: string[]; instructions: string[] } {
  const scopes = parentId ? [channelId, parentId] : [channelId];
  return { model: scopes.map(storeKeys.modelChoice), instructions: scopes.map(storeKeys.instructions) };
}
