/**
 * Which conversation a Discord message belongs to: where it sits (placeOf), and the store lookups that tie a reply
 * or a stop to a conversation the bot answered in.
 */
import { ChannelType, type Message } from "discord.js";
import type { StateStore } from "../../store/types.js";
import { conversationKey, type MessagePlace } from "./conversation.js";
import type { Verdict } from "./message-filter.js";
import { storeKeys } from "./store-keys.js";

export function placeOf(message: Message, verdict: Verdict, openThread: boolean): MessagePlace {
  const channel = message.channel;
  const isThread = channel.isThread();
  const reference = message.reference;
  // In a thread the reply chain is the thread itself; in a channel a reply joins the conversation it answers.
  const repliesTo = !isThread && message.inGuild() && reference?.messageId && reference.channelId === message.channelId ? reference.messageId : undefined;
  const opensThread =
    openThread &&
    verdict.kind === "mention" &&
    (channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement);
  return {
    guildId: message.guildId,
    channelId: message.channelId,
    messageId: message.id,
    isThread,
    ...(repliesTo ? { repliesTo } : {}),
    opensThread,
  };
}

/** Lookups in the store about conversations the bot answered in. */
export function conversationLookups(store: StateStore) {
  async function rememberedConversation(messageId: string): Promise<string | undefined> {
    const key = await store.get<string>(storeKeys.conversation(messageId));
    return typeof key === "string" ? key : undefined;
  }

  /** The conversation a stop is meant for: the one it replies into, else (a plain "@bot stop" in a channel) the newest there. */
  async function stopTarget(place: MessagePlace): Promise<string | undefined> {
    if (!place.guildId || place.isThread) return conversationKey({ ...place, opensThread: false });
    if (place.repliesTo) return rememberedConversation(place.repliesTo);
    const latest = await store.get<string>(storeKeys.latestInChannel(place.channelId));
    return typeof latest === "string" ? latest : undefined;
  }

  /** A reply to one of the bot's answers (Discord did not ping the bot: the user turned the reply's mention off). */
  async function repliesToBot(message: Message): Promise<boolean> {
    const id = message.reference?.messageId;
    if (!id || message.author.bot) return false;
    return typeof (await store.get<string>(storeKeys.botReply(id))) === "string";
  }

  return { rememberedConversation, stopTarget, repliesToBot };
}
