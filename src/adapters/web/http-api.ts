/**
 * The web chat's JSON API, as routes for connection.ts: conversations (list, create, read), messages (send,
 * stop, rate), files (upload, fetch) and the event stream. Requests are checked here for what they carry;
 * answering them goes through the adapter's intake (web-adapter.ts), like any platform's messages.
 */
import { RequestError, type WebReply, type WebRoute } from "./connection.js";
import type { FileStore } from "./attachments.js";
import { FeedbackTargetError, MissingMessageError, summaryOf, type AttachmentRef, type ConversationStore, type Rating, type WebConversation, type WebMessage } from "./conversation-store.js";
import type { LiveUpdates } from "./live-updates.js";
import { parsePostedMessage, parseRating, type PostedMessage } from "./message-filter.js";

export interface WebApiDeps {
  conversations: ConversationStore;
  files: FileStore;
  live: LiveUpdates;
  /** Whether an answer is streaming in the conversation now. */
  isRunning(conversationId: string): boolean;
  /** Stores the user's message and hands it to the intake; resolves once it is queued (or refused). */
  send(userId: string, conversation: WebConversation, message: PostedMessage, attachments: AttachmentRef[]): Promise<WebMessage>;
  stop(userId: string, conversationId: string): Promise<void>;
  /** A rating was recorded (metrics). */
  rated(rating: Rating | undefined, previous: Rating | undefined): void;
}

const ID = "([A-Za-z0-9_-]{8,64})";
const route = (method: WebRoute["method"], path: string, handle: WebRoute["handle"], body?: WebRoute["body"]): WebRoute => ({
  method,
  path: new RegExp(`^${path}$`),
  handle,
  ...(body ? { body } : {}),
});
const json = (status: number, body: unknown): WebReply => ({ status, json: body });

export function webApiRoutes(deps: WebApiDeps): WebRoute[] {
  const { conversations, files, live } = deps;
  const owned = async (conversationId: string, userId: string): Promise<WebConversation> => {
    const conversation = await conversations.get(conversationId, userId);
    if (!conversation) throw new RequestError(404, "There is no such conversation.");
    return conversation;
  };

  return [
    route("GET", "/api/conversations", async ({ userId }) => json(200, { conversations: await conversations.list(userId) })),

    route("POST", "/api/conversations", async ({ userId }) => {
      const conversation = await conversations.create(userId);
      live.publish(userId, { type: "conversation", conversation: summaryOf(conversation) });
      return json(201, { conversation: summaryOf(conversation) });
    }, "json"),

    route("GET", `/api/conversations/${ID}`, async ({ userId, params }) => {
      const conversation = await owned(params[0]!, userId);
      return json(200, {
        conversation: summaryOf(conversation),
        messages: await conversations.messages(conversation),
        running: deps.isRunning(conversation.id),
      });
    }),

    route("POST", `/api/conversations/${ID}/messages`, async ({ userId, params, body }) => {
      const conversation = await owned(params[0]!, userId);
      const parsed = parsePostedMessage(body);
      if (!parsed.ok) throw new RequestError(400, parsed.problem);
      const attachments: AttachmentRef[] = [];
      for (const id of parsed.message.attachmentIds) {
        const ref = await files.ref(id, userId);
        if (!ref) throw new RequestError(400, "An attached file is not (or no longer) uploaded; attach it again.");
        attachments.push(ref);
      }
      const message = await deps.send(userId, conversation, parsed.message, attachments);
      return json(202, { message });
    }, "json"),

    route("POST", `/api/conversations/${ID}/stop`, async ({ userId, params }) => {
      const conversation = await owned(params[0]!, userId);
      await deps.stop(userId, conversation.id);
      return json(202, { ok: true });
    }, "json"),

    route("POST", `/api/conversations/${ID}/messages/${ID}/feedback`, async ({ userId, params, body }) => {
      const conversation = await owned(params[0]!, userId);
      const parsed = parseRating(body);
      if (!parsed.ok) throw new RequestError(400, parsed.problem);
      try {
        const { message, previous } = await conversations.rate(conversation.id, params[1]!, parsed.rating);
        deps.rated(parsed.rating, previous);
        live.publish(userId, { type: "message", conversationId: conversation.id, message });
        return json(200, { message });
      } catch (error) {
        if (error instanceof MissingMessageError || error instanceof FeedbackTargetError) throw new RequestError(400, error.message);
        throw error;
      }
    }, "json"),

    route("POST", "/api/files", async ({ userId, body, headers }) => {
      const data = body as Buffer;
      if (data.length === 0) throw new RequestError(400, "The file is empty.");
      let name = "file";
      try {
        name = decodeURIComponent(String(headers["x-file-name"] ?? "file"));
      } catch {
        // A name that is not valid percent-encoding: keep the default.
      }
      const declared = headers["content-type"];
      const file = await files.save(userId, {
        name,
        data,
        ...(declared && declared !== "application/octet-stream" ? { declaredType: declared } : {}),
      });
      return json(201, { file });
    }, "bytes"),

    route("GET", `/api/files/${ID}`, async ({ userId, params }) => {
      const file = await files.bytes(params[0]!, userId);
      if (!file) throw new RequestError(404, "There is no such file.");
      // Only what the bytes prove to be an image is shown inline; anything else downloads, never renders.
      if (file.ref.imageType) return { status: 200, bytes: file.data, type: file.ref.imageType };
      return {
        status: 200,
        bytes: file.data,
        type: "application/octet-stream",
        headers: { "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.ref.name)}` },
      };
    }),

    route("GET", "/api/events", async ({ userId, response }) => {
      live.subscribe(userId, response);
      return { streaming: true };
    }),
  ];
}
