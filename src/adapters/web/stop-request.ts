/**
 * How a web user stops the running answer: the page's Stop button, shown while an answer streams, or a message
 * that says only "stop", as on Slack and Discord. Either names the conversation; the core's intake routes the stop
 * to wherever the answer runs. A second press is harmless (nothing is left to stop); a "stop" message sent again
 * by the browser is claimed like any message, so it stops once.
 */
import type { Logger } from "pino";
import type { StopRequest } from "../../core/platform.js";
import type { ReplyTarget } from "../../reply/target.js";
import { storeKeys } from "./store-keys.js";

/** True for "stop", "Stop!", "STOP."; anything more is a message to answer. */
export function isStopText(text: string): boolean {
  return /^stop[.!]*$/i.test(text.trim());
}

export function stopRequest(input: {
  conversationId: string;
  userId: string;
  openReplyTarget: () => ReplyTarget;
  log: Logger;
  /** The "stop" message's handled key. */
  claimKey?: string;
}): StopRequest {
  return {
    threadKey: storeKeys.thread(input.conversationId),
    ...(input.claimKey ? { claim: { key: input.claimKey } } : {}),
    access: { platform: "web", userId: input.userId, channelId: input.conversationId },
    openReplyTarget: input.openReplyTarget,
    log: input.log,
  };
}
