/**
 * The documented rate tier of each AI-app method the fake serves, per workspace, and the scopes each accepts.
 * Slack's tiers (docs.slack.dev/apis/web-api/rate-limits): Tier 2 "20+ per minute", Tier 3 "50+", Tier 4 "100+".
 * The fake uses the tier's floor, so anything that stays within it here stays within it on Slack.
 */
import type { WindowLimit } from "./rate-limiter.js";

export const MINUTE = 60_000;

export const TIER_2: WindowLimit = { calls: 20, perMs: MINUTE };
export const TIER_3: WindowLimit = { calls: 50, perMs: MINUTE };
export const TIER_4: WindowLimit = { calls: 100, perMs: MINUTE };

/**
 * Per workspace. Sources:
 * - chat.appendStream: Tier 4 (docs.slack.dev/reference/methods/chat.appendStream, "Tier 4: 100+ per minute").
 * - chat.stopStream: Tier 2 (api.slack.com/methods/chat.stopStream, "Rate limits: Tier 2").
 * - chat.startStream: its method page states no tier in the copies we could read; taken as Tier 2 like its
 *   partner chat.stopStream (each answer makes one of each), the cautious choice.
 * - assistant.threads.setStatus: "Special rate limits apply" (docs.slack.dev/reference/methods/
 *   assistant.threads.setStatus), no figure given; the fake allows Tier 4, generous for a status line.
 * - assistant.threads.setSuggestedPrompts / setTitle: called once per assistant thread; the fake allows Tier 3.
 * - files.getUploadURLExternal, files.completeUploadExternal: Tier 4 (each method's page, "Rate limits: Tier 4").
 */
export const DEFAULT_METHOD_LIMITS: Record<string, WindowLimit> = {
  "chat.startStream": TIER_2,
  "chat.appendStream": TIER_4,
  "chat.stopStream": TIER_2,
  "assistant.threads.setStatus": TIER_4,
  "assistant.threads.setSuggestedPrompts": TIER_3,
  "assistant.threads.setTitle": TIER_3,
  "files.getUploadURLExternal": TIER_4,
  "files.completeUploadExternal": TIER_4,
  // docs.slack.dev/reference/methods/users.info: "Tier 4"; api.slack.com/methods/chat.postEphemeral: "Tier 4".
  "users.info": TIER_4,
  "chat.postEphemeral": TIER_4,
};

/**
 * Scopes that let a bot token call the method (any one of them). The streaming methods document `chat:write`;
 * setStatus accepts `assistant:write` or `chat:write` (changelog 2026-03-05); the other assistant.threads methods
 * need `assistant:write`.
 */
export const METHOD_SCOPES: Record<string, string[]> = {
  "chat.postMessage": ["chat:write"],
  "chat.update": ["chat:write"],
  "chat.delete": ["chat:write"],
  "chat.postEphemeral": ["chat:write"],
  "users.info": ["users:read"],
  "chat.startStream": ["chat:write"],
  "chat.appendStream": ["chat:write"],
  "chat.stopStream": ["chat:write"],
  "assistant.threads.setStatus": ["assistant:write", "chat:write"],
  "assistant.threads.setSuggestedPrompts": ["assistant:write"],
  "assistant.threads.setTitle": ["assistant:write"],
  "files.getUploadURLExternal": ["files:write"],
  "files.completeUploadExternal": ["files:write"],
};

/** What a fresh app with the project's manifest holds. */
export const DEFAULT_SCOPES = [
  "app_mentions:read",
  "assistant:write",
  "channels:history",
  "chat:write",
  "commands",
  "files:read",
  "files:write",
  "groups:history",
  "im:history",
  "mpim:history",
  "reactions:read",
  "users:read",
];

/** Characters of `markdown_text` one streaming call takes (each method's page: "Limit this field to 12,000"). */
export const MAX_MARKDOWN_TEXT = 12_000;

/** Slack closes a streamed message about 5 minutes after it starts. */
export const STREAM_LIFETIME_MS = 5 * MINUTE;

/** assistant.threads.setStatus: "A two minute timeout applies" when no message follows. */
export const STATUS_LIFETIME_MS = 2 * MINUTE;

/** setStatus `loading_messages`: "Maximum of 10 messages". */
export const MAX_LOADING_MESSAGES = 10;
