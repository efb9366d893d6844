/**
 * Slack surfaces beyond mentions and DMs: the message shortcut "Ask Copilot about this thread" and the assistant
 * panel (an `assistant_thread_started` thread in the DM with the app). This file reads their payloads; the
 * adapter hands what they ask to the core's intake like any other message.
 */
import { slackToPlainText } from "./slack-text.js";

/** The manifest's callback_id of the message shortcut. */
export const THREAD_SHORTCUT_CALLBACK_ID = "ask_copilot_thread";

/** The prompts offered when an assistant panel opens (assistant.threads.setSuggestedPrompts takes up to four). */
export const SUGGESTED_PROMPTS = [
  { title: "Summarise a thread", message: "Summarise the discussion in the channel I'm looking at." },
  { title: "Explain some code", message: "Explain what this code does and what could go wrong:" },
  { title: "Draft a reply", message: "Help me draft a clear, friendly reply to:" },
];

/** The panel's title: the first question, on one line, cut at a word near 60 characters. */
export function titleFrom(question: string, botUserId: string): string {
  const text = slackToPlainText(question, botUserId).replace(/\s+/g, " ").trim();
  if (text.length <= 60) return text || "New chat";
  const cut = text.slice(0, 60);
  const space = cut.lastIndexOf(" ");
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export interface ShortcutUse {
  team: string;
  channel: string;
  /** The person who used the shortcut: the answer is for them. */
  user: string;
  /** The message it was used on, and the thread that message belongs to. */
  ts: string;
  threadTs: string;
  text: string;
  triggerId: string;
}

/** A `message_action` payload as far as the bot needs it; undefined when a part is missing. */
export function parseShortcut(body: unknown): ShortcutUse | undefined {
  const b = body as {
    callback_id?: string;
    trigger_id?: string;
    team?: { id?: string };
    user?: { id?: string };
    channel?: { id?: string };
    message?: { ts?: string; thread_ts?: string; text?: string };
  };
  const team = b?.team?.id;
  const user = b?.user?.id;
  const channel = b?.channel?.id;
  const ts = b?.message?.ts;
  if (b?.callback_id !== THREAD_SHORTCUT_CALLBACK_ID || !team || !user || !channel || !ts) return undefined;
  return { team, user, channel, ts, threadTs: b.message?.thread_ts ?? ts, text: b.message?.text ?? "", triggerId: b.trigger_id ?? ts };
}

export interface AssistantThreadStart {
  user: string;
  channel: string;
  threadTs: string;
}

export function parseAssistantThreadStarted(event: unknown): AssistantThreadStart | undefined {
  const thread = (event as { assistant_thread?: { user_id?: string; channel_id?: string; thread_ts?: string } })?.assistant_thread;
  if (!thread?.user_id || !thread.channel_id || !thread.thread_ts) return undefined;
  return { user: thread.user_id, channel: thread.channel_id, threadTs: thread.thread_ts };
}

/** The manifest's slash command. */
export const SLASH_COMMAND = "/copilot";

export interface SlashCommandUse {
  team: string;
  channel: string;
  user: string;
  question: string;
  triggerId: string;
}

export function parseSlashCommand(command: unknown): SlashCommandUse | undefined {
  const c = command as { team_id?: string; channel_id?: string; user_id?: string; text?: string; trigger_id?: string };
  if (!c?.team_id || !c.channel_id || !c.user_id) return undefined;
  return { team: c.team_id, channel: c.channel_id, user: c.user_id, question: (c.text ?? "").trim(), triggerId: c.trigger_id ?? "" };
}
