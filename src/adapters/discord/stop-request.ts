/**
 * How a Discord user stops the bot's running answer: a message that says only "stop" (any case, with or without
 * the bot's mention), or a ✋ / ❌ reaction on one of the bot's replies.
 */

/** True for "stop", "Stop!", "STOP." (the bot's mention already removed); anything more is a message to answer. */
export function isStopText(text: string): boolean {
  return /^stop[.!]*$/i.test(text.trim());
}

/** ✋ and ❌; a skin tone or a variation selector does not change what they mean. */
export const STOP_EMOJI: ReadonlySet<string> = new Set(["✋", "❌"]);

export function isStopReaction(emojiName: string | null | undefined): boolean {
  if (!emojiName) return false;
  return STOP_EMOJI.has(emojiName.replace(/[\u{1F3FB}-\u{1F3FF}\u{FE0F}]/gu, ""));
}
