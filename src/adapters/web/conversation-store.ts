/**
 * Web conversations kept in the state store: what Slack's or Discord's servers keep for those platforms. A
 * conversation is a document (owner, title, message ids); each message is a document of its own so a streaming
 * edit rewrites one message, not the conversation. Appends to one conversation are serialised in this process
 * (the web chat's page talks to one process); a user message is appended once per client message id.
 */
import { randomUUID } from "node:crypto";
import type { StateStore } from "../../store/types.js";
import { storeKeys } from "./store-keys.js";

/** Conversations and their messages are kept this long after they were last written. */
export const CONVERSATION_TTL_MS = 30 * 24 * 60 * 60_000;
/** A user's sidebar keeps the newest this many conversations. */
export const MAX_CONVERSATIONS_PER_USER = 100;
const TITLE_MAX = 60;

export type Rating = "up" | "down";

export interface AttachmentRef {
  id: string;
  name: string;
  size: number;
  /** The image type read from the bytes (image/png ...), or undefined for any other file. */
  imageType?: string;
  /** The type the browser claimed; the bytes decide what it really is. */
  declaredType?: string;
}

export interface WebMessage {
  id: string;
  seq: number;
  role: "user" | "assistant";
  text: string;
  at: number;
  attachments?: AttachmentRef[];
  feedback?: Rating;
}

export interface WebConversation {
  id: string;
  owner: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  messageIds: string[];
  nextSeq: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
}

export const NEW_CONVERSATION_TITLE = "New conversation";

/** Serialises async work per key, in this process. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export class ConversationStore {
  private readonly queue = new KeyedQueue();

  constructor(private readonly store: StateStore) {}

  async create(owner: string, now = Date.now()): Promise<WebConversation> {
    const conversation: WebConversation = {
      id: randomUUID(),
      owner,
      title: NEW_CONVERSATION_TITLE,
      createdAt: now,
      updatedAt: now,
      messageIds: [],
      nextSeq: 1,
    };
    await this.store.set(storeKeys.conversation(conversation.id), conversation, CONVERSATION_TTL_MS);
    await this.queue.run(`user:${owner}`, async () => {
      const ids = (await this.store.get<string[]>(storeKeys.conversationsOf(owner))) ?? [];
      const kept = [conversation.id, ...ids.filter((id) => id !== conversation.id)].slice(0, MAX_CONVERSATIONS_PER_USER);
      await this.store.set(storeKeys.conversationsOf(owner), kept, CONVERSATION_TTL_MS);
    });
    return conversation;
  }

  /** The conversation if it exists and belongs to `owner` (someone else's looks the same as none). */
  async get(conversationId: string, owner?: string): Promise<WebConversation | undefined> {
    const conversation = asConversation(await this.store.get(storeKeys.conversation(conversationId)));
    if (!conversation || (owner !== undefined && conversation.owner !== owner)) return undefined;
    return conversation;
  }

  /** Newest first. */
  async list(owner: string): Promise<ConversationSummary[]> {
    const ids = (await this.store.get<string[]>(storeKeys.conversationsOf(owner))) ?? [];
    const found = await Promise.all(ids.map((id) => this.get(id, owner)));
    return found
      .filter((c): c is WebConversation => c !== undefined)
      .map(summaryOf)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Oldest first; messages expired from the store are left out. */
  async messages(conversation: WebConversation): Promise<WebMessage[]> {
    const found = await Promise.all(
      conversation.messageIds.map((id) => this.store.get<WebMessage>(storeKeys.message(conversation.id, id))),
    );
    return found.filter((m): m is WebMessage => m !== undefined && m !== null);
  }

  async message(conversationId: string, messageId: string): Promise<WebMessage | undefined> {
    return (await this.store.get<WebMessage>(storeKeys.message(conversationId, messageId))) ?? undefined;
  }

  /**
   * Appends the user's message, once per client message id: a POST the browser retried returns the message
   * already there (`created: false`).
   */
  async appendUserMessage(
    conversationId: string,
    input: { id: string; text: string; attachments: AttachmentRef[] },
  ): Promise<{ message: WebMessage; conversation: WebConversation; created: boolean }> {
    return this.queue.run(conversationId, async () => {
      const conversation = await this.get(conversationId);
      if (!conversation) throw new Error("The conversation does not exist.");
      if (conversation.messageIds.includes(input.id)) {
        const existing = await this.message(conversationId, input.id);
        if (existing) return { message: existing, conversation, created: false };
        // Expired from the store: it is written again, once.
        conversation.messageIds = conversation.messageIds.filter((id) => id !== input.id);
      }
      const message: WebMessage = {
        id: input.id,
        seq: conversation.nextSeq,
        role: "user",
        text: input.text,
        at: Date.now(),
        ...(input.attachments.length > 0 ? { attachments: input.attachments } : {}),
      };
      if (conversation.title === NEW_CONVERSATION_TITLE) conversation.title = titleFrom(input.text, input.attachments);
      const updated = await this.appendLocked(conversation, message);
      return { message, conversation: updated, created: true };
    });
  }

  /** A new message of the bot (the streamer's post). */
  async appendBotMessage(conversationId: string, text: string): Promise<WebMessage> {
    return this.queue.run(conversationId, async () => {
      const conversation = await this.get(conversationId);
      if (!conversation) throw new Error("The conversation does not exist any more.");
      const message: WebMessage = { id: `b-${randomUUID()}`, seq: conversation.nextSeq, role: "assistant", text, at: Date.now() };
      await this.appendLocked(conversation, message);
      return message;
    });
  }

  /** Replaces a bot message's text (the streamer's edit). */
  async editBotMessage(conversationId: string, messageId: string, text: string): Promise<WebMessage> {
    return this.updateMessage(conversationId, messageId, (message) => {
      if (message.role !== "assistant") throw new Error("Only the bot's own messages can be edited.");
      message.text = text;
    });
  }

  async deleteMessage(conversationId: string, messageId: string): Promise<void> {
    await this.queue.run(conversationId, async () => {
      const conversation = await this.get(conversationId);
      if (!conversation) return;
      conversation.messageIds = conversation.messageIds.filter((id) => id !== messageId);
      await this.store.set(storeKeys.conversation(conversationId), conversation, CONVERSATION_TTL_MS);
      await this.store.delete(storeKeys.message(conversationId, messageId));
    });
  }

  /** Records 👍/👎 (or clears it with undefined) on a bot message; returns the rating it had before. */
  async rate(conversationId: string, messageId: string, rating: Rating | undefined): Promise<{ message: WebMessage; previous?: Rating }> {
    let previous: Rating | undefined;
    const message = await this.updateMessage(conversationId, messageId, (m) => {
      if (m.role !== "assistant") throw new FeedbackTargetError();
      previous = m.feedback;
      if (rating) m.feedback = rating;
      else delete m.feedback;
    });
    return { message, ...(previous ? { previous } : {}) };
  }

  private async updateMessage(conversationId: string, messageId: string, change: (message: WebMessage) => void): Promise<WebMessage> {
    return this.queue.run(`${conversationId}:${messageId}`, async () => {
      const message = await this.message(conversationId, messageId);
      if (!message) throw new MissingMessageError();
      change(message);
      await this.store.set(storeKeys.message(conversationId, messageId), message, CONVERSATION_TTL_MS);
      return message;
    });
  }

  private async appendLocked(conversation: WebConversation, message: WebMessage): Promise<WebConversation> {
    await this.store.set(storeKeys.message(conversation.id, message.id), message, CONVERSATION_TTL_MS);
    conversation.messageIds.push(message.id);
    conversation.nextSeq = message.seq + 1;
    conversation.updatedAt = message.at;
    await this.store.set(storeKeys.conversation(conversation.id), conversation, CONVERSATION_TTL_MS);
    return conversation;
  }
}

export class MissingMessageError extends Error {
  constructor() {
    super("There is no such message in this conversation.");
  }
}

export class FeedbackTargetError extends Error {
  constructor() {
    super("Only the bot's answers can be rated.");
  }
}

export function summaryOf(conversation: WebConversation): ConversationSummary {
  return { id: conversation.id, title: conversation.title, updatedAt: conversation.updatedAt };
}

/** The sidebar's title: the first line of the first question. */
function titleFrom(text: string, attachments: AttachmentRef[]): string {
  const line = text.split("\n").map((l) => l.trim()).find(Boolean) ?? attachments[0]?.name ?? NEW_CONVERSATION_TITLE;
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line;
}

/** Documents come back from the store; one written by another version must not break a request. */
function asConversation(value: unknown): WebConversation | undefined {
  const c = value as Partial<WebConversation> | null | undefined;
  if (
    c &&
    typeof c.id === "string" &&
    typeof c.owner === "string" &&
    typeof c.title === "string" &&
    Array.isArray(c.messageIds) &&
    typeof c.nextSeq === "number"
  ) {
    return c as WebConversation;
  }
  return undefined;
}
