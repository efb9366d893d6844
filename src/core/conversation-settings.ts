/**
 * A conversation's own settings, chosen by command and kept in the store: the model (and its reasoning effort)
 * and the channel's instructions for the system prompt. Scopes are store keys the adapter names (its
 * store-keys module), most specific first — a Discord thread before its channel — so a thread's choice
 * overrides its channel's. Kept without expiry: a channel's choice lasts until someone changes it.
 */
import type { StateStore } from "../store/types.js";

/** What an answer uses; every field absent means "the bot's defaults". */
export interface ConversationSettings {
  model?: string;
  reasoningEffort?: string;
  instructions?: string;
}

/** The store keys an answer reads its settings from, most specific first. */
export interface SettingsKeys {
  model: readonly string[];
  instructions: readonly string[];
}

/** A stored model choice: who set it and when, for the command that shows it. */
export interface StoredModelChoice {
  model: string;
  reasoningEffort?: string;
  setBy: string;
  at: number;
}

export interface StoredInstructions {
  text: string;
  setBy: string;
  at: number;
}

/** Channel instructions longer than this are refused (they go into every answer's system prompt). */
export const INSTRUCTIONS_MAX_CHARS = 2_000;

/** Values come back from the store; one written by another version must not break an answer. */
export function asModelChoice(value: unknown): StoredModelChoice | undefined {
  const v = value as Partial<StoredModelChoice> | null | undefined;
  if (!v || typeof v.model !== "string" || !v.model) return undefined;
  return {
    model: v.model,
    ...(typeof v.reasoningEffort === "string" && v.reasoningEffort ? { reasoningEffort: v.reasoningEffort } : {}),
    setBy: typeof v.setBy === "string" ? v.setBy : "",
    at: typeof v.at === "number" ? v.at : 0,
  };
}

export function asInstructions(value: unknown): StoredInstructions | undefined {
  const v = value as Partial<StoredInstructions> | null | undefined;
  if (!v || typeof v.text !== "string" || !v.text.trim()) return undefined;
  return { text: v.text, setBy: typeof v.setBy === "string" ? v.setBy : "", at: typeof v.at === "number" ? v.at : 0 };
}

/** The first stored value of `keys` (most specific first) that reads as valid. */
export async function firstSetting<T>(store: StateStore, keys: readonly string[], read: (value: unknown) => T | undefined): Promise<{ key: string; value: T } | undefined> {
  const values = await Promise.all(keys.map((key) => store.get<unknown>(key)));
  for (const [i, raw] of values.entries()) {
    const value = read(raw);
    if (value !== undefined) return { key: keys[i]!, value };
  }
  return undefined;
}

/** The settings an answer uses: the most specific model choice and the most specific instructions. */
export async function readConversationSettings(store: StateStore, keys: SettingsKeys): Promise<ConversationSettings> {
  const [choice, instructions] = await Promise.all([
    firstSetting(store, keys.model, asModelChoice),
    firstSetting(store, keys.instructions, asInstructions),
  ]);
  return {
    ...(choice ? { model: choice.value.model } : {}),
    ...(choice?.value.reasoningEffort ? { reasoningEffort: choice.value.reasoningEffort } : {}),
    ...(instructions ? { instructions: instructions.value.text } : {}),
  };
}
