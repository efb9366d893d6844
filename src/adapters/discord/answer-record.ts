/**
 * What the store keeps of an answer that has buttons, so that a press on any replica knows which conversation
 * Stop stops and who asked (the asker may stop it; so may anyone with Manage Messages in the channel).
 */
import type { StateStore } from "../../store/types.js";
import { storeKeys } from "./store-keys.js";

export interface AnswerRecord {
  threadKey: string;
  /** Everyone whose waiting message this answer answers. */
  askerIds: string[];
}

export async function rememberAnswer(store: StateStore, answerId: string, record: AnswerRecord, ttlMs: number): Promise<void> {
  await store.set(storeKeys.answer(answerId), record, ttlMs);
}

export async function readAnswer(store: StateStore, answerId: string): Promise<AnswerRecord | undefined> {
  const value = (await store.get<unknown>(storeKeys.answer(answerId))) as Partial<AnswerRecord> | null | undefined;
  if (!value || typeof value.threadKey !== "string" || !Array.isArray(value.askerIds)) return undefined;
  return { threadKey: value.threadKey, askerIds: value.askerIds.filter((id): id is string => typeof id === "string") };
}
