/**
 * A Discord message as plain conversation text: the bot's own mention removed (it only says "this is for you"),
 * other mentions, channels and custom emoji made readable, and who said it.
 */
import { cleanContent, type Message } from "discord.js";

/** The message's text without the bot's user or managed-role mention, other mentions as `@Name`. */
export function plainText(message: Message, botUserId: string): string {
  let text = message.content.replace(new RegExp(`<@!?${botUserId}>`, "g"), "");
  const botRole = message.guild?.roles.cache.find((role) => role.tags?.botId === botUserId);
  if (botRole) text = text.replace(new RegExp(`<@&${botRole.id}>`, "g"), "");
  return cleanContent(text, message.channel).trim();
}

/** The name people see: the server nickname when known, else the global display name, else the username. */
export function speakerName(message: Message): string {
  return message.member?.displayName ?? message.author.displayName ?? message.author.username ?? "";
}

/** Attachments that are images by Discord's own content type (the bytes are checked again on download). */
export function imageAttachmentCount(message: Message): number {
  let count = 0;
  for (const attachment of message.attachments.values()) if (isImageAttachment(attachment)) count++;
  return count;
}

export function isImageAttachment(attachment: { contentType: string | null }): boolean {
  return attachment.contentType?.toLowerCase().startsWith("image/") ?? false;
}
