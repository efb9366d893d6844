/**
 * What the page may send as a message: a client-chosen message id (a retried POST carries the same one, and is
 * answered once), text and ids of files uploaded before. Everything else is refused with one sentence. Every
 * message in a web conversation is addressed to the bot: there is nothing else to filter out.
 */
import { MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";

/** Far above MAX_MESSAGE_CHARS (which cuts what the model sees, and says so): only absurd input is refused. */
export const MAX_POSTED_CHARS = 100_000;

const ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface PostedMessage {
  id: string;
  text: string;
  attachmentIds: string[];
}

export type MessageVerdict = { ok: true; message: PostedMessage } | { ok: false; problem: string };

export function isWebId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

export function parsePostedMessage(body: unknown): MessageVerdict {
  const b = body as { id?: unknown; text?: unknown; attachments?: unknown } | null;
  if (typeof b !== "object" || b === null) return { ok: false, problem: "The message must be a JSON object." };
  if (!isWebId(b.id)) return { ok: false, problem: "The message needs an id of 8 to 64 letters, digits, - or _." };
  const text = b.text === undefined ? "" : b.text;
  if (typeof text !== "string") return { ok: false, problem: "The message text must be a string." };
  if (text.length > MAX_POSTED_CHARS) {
    return { ok: false, problem: `The message is longer than ${MAX_POSTED_CHARS.toLocaleString("en-US")} characters.` };
  }
  const attachments = b.attachments === undefined ? [] : b.attachments;
  if (!Array.isArray(attachments) || !attachments.every(isWebId)) {
    return { ok: false, problem: "Attachments must be a list of uploaded file ids." };
  }
  if (attachments.length > MAX_ATTACHMENTS_PER_MESSAGE) {
    return { ok: false, problem: `A message can carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files.` };
  }
  if (text.trim() === "" && attachments.length === 0) return { ok: false, problem: "The message is empty." };
  return { ok: true, message: { id: b.id, text: text.trim(), attachmentIds: [...new Set(attachments)] } };
}

/** 👍, 👎, or null to take the rating back. */
export function parseRating(body: unknown): { ok: true; rating: "up" | "down" | undefined } | { ok: false; problem: string } {
  const rating = (body as { rating?: unknown } | null)?.rating;
  if (rating === "up" || rating === "down") return { ok: true, rating };
  if (rating === null) return { ok: true, rating: undefined };
  return { ok: false, problem: 'The rating must be "up", "down" or null.' };
}
