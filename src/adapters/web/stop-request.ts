/**
 * How a web user stops the running answer: the page's Stop button, shown while an answer streams. It names the
 * conversation; the core's intake routes the stop to wherever the answer runs. A second press is harmless (there
 * is nothing left to stop), so no claim is needed.
 */
import type { Logger } from "pino";
import type { StopRequest } from "../../core/platform.js";
import type { ReplyTarget } from "../../reply/target.js";
import { storeKeys } from "./store-keys.js";

export function stopRequest(input: {
  conversationId: string;
  userId: string;
  openReplyTarget: () => ReplyTarget;
  log: Logger;
}): StopRequest {
  return {
    threadKey: storeKeys.thread(input.conversationId),
    access: { platform: "web", userId: input.userId, channelId: input.conversationId },
    openReplyTarget: input.openReplyTarget,
    log: input.log,
  };
}
