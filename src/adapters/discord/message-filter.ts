/**
 * Which Discord messages deserve an answer. Pure: the adapter reads the facts off the discord.js message and
 * asks here; whether a thread is one the bot already answered in is checked afterwards (it needs the store).
 */
import type { Message } from "discord.js";

export interface MessageFacts {
  authorId: string;
  /** A bot account or a webhook. */
  authorIsBot: boolean;
  /** Join notices, pins, thread-starter stubs and the like. */
  isSystem: boolean;
  isDm: boolean;
  inThread: boolean;
  /** Mentions the bot's user or the role Discord manages for the bot. */
  mentionsBot: boolean;
}

export interface FilterOptions {
  botUserId: string;
  /** Answer a human's follow-up in a thread the bot answered in, without a mention (ANSWER_THREAD_FOLLOWUPS). */
  answerThreadFollowUps: boolean;
  /** Answer other bots that mention the bot or DM it (ANSWER_OTHER_BOTS); never their follow-ups. */
  answerOtherBots: boolean;
}

export type Verdict =
  | { kind: "ignore"; reason: string }
  | { kind: "mention" }
  | { kind: "dm" }
  /** Answer only if the thread is one the bot has answered in. */
  | { kind: "followup" };

export function classifyMessage(facts: MessageFacts, options: FilterOptions): Verdict {
  if (facts.authorId === options.botUserId) return { kind: "ignore", reason: "own message" };
  if (facts.isSystem) return { kind: "ignore", reason: "system message" };
  if (facts.authorIsBot && !options.answerOtherBots) return { kind: "ignore", reason: "another bot" };
  if (facts.isDm) return { kind: "dm" };
  if (facts.mentionsBot) return { kind: "mention" };
  // Two bots following each other's threads would talk forever: bots are answered only when they ask directly.
  if (facts.inThread && options.answerThreadFollowUps && !facts.authorIsBot) return { kind: "followup" };
  return { kind: "ignore", reason: "not addressed to the bot" };
}

/**
 * Whether discord.js built a usable message: a gateway payload missing its author or content still becomes a
 * Message object, with nulls where the fields were.
 */
export function isWellFormed(message: Message): boolean {
  return (
    typeof message.id === "string" &&
    typeof message.channelId === "string" &&
    typeof message.author?.id === "string" &&
    typeof message.content === "string" &&
    message.channel !== null &&
    message.channel !== undefined
  );
}

/** The filter's facts, read off a discord.js message. */
export function messageFacts(message: Message, botUserId: string): MessageFacts {
  return {
    authorId: message.author.id,
    authorIsBot: message.author.bot || message.webhookId !== null,
    isSystem: message.system,
    isDm: !message.inGuild(),
    inThread: message.channel.isThread(),
    mentionsBot: mentionsBot(message, botUserId),
  };
}

/**
 * A mention of the bot's user (`<@id>`, also Discord's ping on a reply to the bot) or of its managed role
 * (`<@&role>`: what Discord's autocomplete often inserts when people type the bot's name). @everyone is not one.
 */
export function mentionsBot(message: Message, botUserId: string): boolean {
  if (message.mentions.users.has(botUserId)) return true;
  return message.mentions.roles.some((role) => role.tags?.botId === botUserId);
}
