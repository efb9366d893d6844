/**
 * The web adapter's store keys, in one place. The web chat has no platform keeping its messages, so the
 * conversations themselves live in the store: a conversation (its owner, title and message ids), each message,
 * each user's list of conversations, and uploaded files. A message is answered once (`handled`: the client's own
 * message id, so a POST retried by the browser is one message).
 */
export const storeKeys = {
  /** The coordinator's thread: one web conversation. */
  thread: (conversationId: string) => `web:${conversationId}`,
  conversation: (conversationId: string) => `web:conversation:${conversationId}`,
  message: (conversationId: string, messageId: string) => `web:message:${conversationId}:${messageId}`,
  conversationsOf: (userId: string) => `web:user:${userId}:conversations`,
  handled: (conversationId: string, messageId: string) => `web:handled:${conversationId}:${messageId}`,
  file: (fileId: string) => `web:file:${fileId}`,
};

/** The conversation id of a thread key made by `storeKeys.thread`. */
export function conversationIdOf(threadKey: string): string {
  return threadKey.startsWith("web:") ? threadKey.slice("web:".length) : threadKey;
}
