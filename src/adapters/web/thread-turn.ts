/**
 * What one run of a web conversation hands the core: the conversation read from the store as history (answering
 * the newest waiting message; the others are context the model sees), the images of the waiting messages and the
 * notice about those it could not take, the read_thread pages older than the prompt keeps, and the reply target.
 */
import type { Logger } from "pino";
import type { ThreadTurn } from "../../core/platform.js";
import { readOlderThanPrompt } from "../../history/fit.js";
import type { ReplyTarget } from "../../reply/target.js";
import type { FileStore } from "./attachments.js";
import type { QueuedWebMessage } from "./conversation.js";
import type { ConversationStore } from "./conversation-store.js";
import { toHistory } from "./history-reader.js";

export interface ThreadTurnDeps {
  conversations: ConversationStore;
  files: FileStore;
  replyTarget: (conversationId: string, owner: string) => ReplyTarget;
  downloadImages: boolean;
  maxImages?: number;
  maxImageBytes?: number;
  historyCharBudget?: number;
  maxMessageChars?: number;
  logger: Logger;
}

/** `batch` oldest first (the last one is answered); undefined when the conversation or the message is gone. */
export async function readThreadTurn(batch: readonly QueuedWebMessage[], deps: ThreadTurnDeps): Promise<ThreadTurn | undefined> {
  const newest = batch.at(-1);
  if (!newest) return undefined;
  const log = deps.logger.child({ messageId: newest.messageId });
  const conversation = await deps.conversations.get(newest.conversationId, newest.userId);
  if (!conversation) {
    log.info("The conversation is no longer in the store; nothing to answer");
    return undefined;
  }
  const messages = await deps.conversations.messages(conversation);
  const history = toHistory(messages, newest.messageId);
  if (history.length === 0) {
    log.info("The waiting message is no longer in the store; nothing to answer");
    return undefined;
  }
  const waiting = new Set(batch.map((item) => item.messageId));
  const attachments = messages.filter((m) => waiting.has(m.id)).flatMap((m) => m.attachments ?? []);
  const { images, notices } =
    deps.downloadImages && attachments.length > 0
      ? await deps.files.imagesFor(attachments, conversation.owner, { maxCount: deps.maxImages, maxBytes: deps.maxImageBytes }, log)
      : { images: [], notices: [] };
  const readOlder = readOlderThanPrompt(history, {
    ...(deps.historyCharBudget !== undefined ? { historyCharBudget: deps.historyCharBudget } : {}),
    ...(deps.maxMessageChars !== undefined ? { maxMessageChars: deps.maxMessageChars } : {}),
  });
  return {
    history,
    images,
    target: deps.replyTarget(conversation.id, conversation.owner),
    readOlder,
    ...(notices.length > 0 ? { notices } : {}),
  };
}
