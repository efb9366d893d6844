/**
 * How a Slack user stops the bot's running answer: a reply that says only "stop" (any case, with or without the
 * bot's mention), or a ✋ / ❌ reaction on one of the bot's replies in the thread.
 */
import { slackToPlainText } from "./slack-text.js";

/** Reaction names Slack sends for ✋ (`raised_hand`, `hand`) and ❌ (`x`). */
export const STOP_REACTIONS: ReadonlySet<string> = new Set(["raised_hand", "hand", "x"]);

/** True for "stop", "Stop!", "<@BOT> STOP." and the like; anything more is a message to answer. */
export function isStopText(text: string | undefined, botUserId: string): boolean {
  if (!text) return false;
  return isStopWord(slackToPlainText(text, botUserId));
}

/** The same test on text already made plain (history), where the mention is gone. */
export function isStopWord(plainText: string): boolean {
  return /^stop[.!]*$/i.test(plainText.trim());
}

/** True for a stop reaction; a skin tone (`raised_hand::skin-tone-3`) does not change what it means. */
export function isStopReaction(name: string): boolean {
  return STOP_REACTIONS.has(name.split("::")[0] ?? "");
}
