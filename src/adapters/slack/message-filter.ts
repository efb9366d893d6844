/**
 * Which Slack events deserve an answer. Pure: the one question that needs state (has the bot answered in this
 * thread?) is returned as a `followup` candidate for the caller to check in the store.
 */
import { mentionsUser } from "./slack-text.js";

/** The fields of an `app_mention` or `message` event this adapter reads. */
export interface SlackMessageEvent {
  type: string;
  channel?: string;
  channel_type?: string;
  ts?: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  hidden?: boolean;
  text?: string;
  team?: string;
}

export interface FilterSettings {
  botUserId: string;
  botId?: string;
  /** Answer messages of other bots (never this bot's own). */
  answerOtherBots: boolean;
  /** In a thread the bot has answered in, answer new messages without a mention. */
  answerThreadFollowUps: boolean;
}

export type Verdict =
  | { kind: "mention" | "dm" | "followup"; channel: string; ts: string; threadTs: string }
  | { kind: "ignore"; reason: string };

/** Subtypes that are a person (or bot) saying something; edits, deletes, joins and the like are not. */
const CONTENT_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast", "bot_message"]);

export function classifyEvent(event: SlackMessageEvent, settings: FilterSettings): Verdict {
  if (event.type !== "app_mention" && event.type !== "message") return ignore(`event type ${event.type}`);
  if (!CONTENT_SUBTYPES.has(event.subtype)) return ignore(`subtype ${event.subtype}`);
  if (event.hidden) return ignore("hidden message");
  if (!event.channel || !event.ts) return ignore("no channel or ts");
  if (event.user === settings.botUserId || (settings.botId !== undefined && event.bot_id === settings.botId)) {
    return ignore("own message");
  }
  const fromBot = event.bot_id !== undefined || event.subtype === "bot_message";
  if (fromBot && !settings.answerOtherBots) return ignore("another bot");

  // A top-level message opens a thread on itself; a reply stays in its thread.
  const place = { channel: event.channel, ts: event.ts, threadTs: event.thread_ts ?? event.ts };
  if (event.type === "app_mention") return { kind: "mention", ...place };

  if (event.channel_type === "im") return { kind: "dm", ...place };
  // A mention also arrives as app_mention, which answers it: answering here too would only race it.
  if (mentionsUser(event.text ?? "", settings.botUserId)) return ignore("mention (handled as app_mention)");
  if (event.thread_ts && event.thread_ts !== event.ts) {
    return settings.answerThreadFollowUps ? { kind: "followup", ...place } : ignore("thread follow-ups are off");
  }
  return ignore("not addressed to the bot");
}

function ignore(reason: string): Verdict {
  return { kind: "ignore", reason };
}
