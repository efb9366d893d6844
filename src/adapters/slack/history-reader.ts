/**
 * Reads a whole Slack thread (every page of conversations.replies, oldest first) and turns it into the shared
 * history: the bot's own messages as the assistant, everyone else as a named user, other bots marked as bots.
 */
import type { webApi } from "@slack/bolt";

type WebClient = webApi.WebClient;
import type { HistoryMessage } from "../../history/types.js";
import { mentionedUserIds, slackToPlainText } from "./slack-text.js";
import type { UserDirectory } from "./user-directory.js";

export interface SlackFile {
  id?: string;
  name?: string;
  mimetype?: string;
  url_private?: string;
  url_private_download?: string;
  size?: number;
}

/** The fields of a Slack message the history needs. */
export interface ThreadMessage {
  ts?: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  username?: string;
  bot_profile?: { name?: string };
  files?: SlackFile[];
}

export type RepliesApi = Pick<WebClient, "conversations">;

export interface ReadThreadOptions {
  /** Messages per page (Slack recommends 200, allows 1000). */
  pageSize?: number;
  /**
   * Most messages kept (default 10,000): past it, the thread's root and its newest messages are kept and the
   * middle is dropped, since the newest are the ones the question is about.
   */
  maxMessages?: number;
  /** Stop after this many pages: a runaway thread must not stall an answer (default 1,000). */
  maxPages?: number;
}

/** The messages of the thread rooted at `threadTs`, parent first; past `maxMessages`, the root and the newest. */
export async function readThread(
  api: RepliesApi,
  channel: string,
  threadTs: string,
  options: ReadThreadOptions = {},
): Promise<ThreadMessage[]> {
  const maxMessages = Math.max(2, options.maxMessages ?? 10_000);
  let root: ThreadMessage | undefined;
  let newest: ThreadMessage[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 1_000); page++) {
    const response = await api.conversations.replies({
      channel,
      ts: threadTs,
      limit: options.pageSize ?? 200,
      ...(cursor ? { cursor } : {}),
    });
    const messages = (response.messages ?? []) as ThreadMessage[];
    if (!root && messages.length > 0) root = messages.shift();
    newest.push(...messages);
    // Bounded memory however long the thread: only the newest that can be kept are held.
    if (newest.length > maxMessages - 1) newest = newest.slice(-(maxMessages - 1));
    cursor = response.response_metadata?.next_cursor || undefined;
    if (!cursor || !response.has_more) break;
  }
  return root ? [root, ...newest] : newest;
}

/** Orders Slack timestamps ("1700000000.000100") exactly; floating point would merge neighbours. */
export function compareTs(a: string, b: string): number {
  const [as = "0", af = ""] = a.split(".");
  const [bs = "0", bf = ""] = b.split(".");
  if (as.length !== bs.length) return as.length - bs.length;
  if (as !== bs) return as < bs ? -1 : 1;
  const fa = af.padEnd(6, "0");
  const fb = bf.padEnd(6, "0");
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

export function isImageFile(file: SlackFile): boolean {
  return typeof file.mimetype === "string" && file.mimetype.toLowerCase().startsWith("image/");
}

const CONTENT_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast", "bot_message", "me_message"]);

export interface HistoryContext {
  botUserId: string;
  botId?: string;
  directory: UserDirectory;
}

export interface ThreadHistory {
  /** Oldest first; the last entry is the message being answered (when it was found in the thread). */
  history: HistoryMessage[];
  /** The message being answered, as the thread returned it (with its files); undefined if it was not there. */
  answered: ThreadMessage | undefined;
}

/**
 * Builds the history up to and including `answeredTs`: later messages are not part of the question. Consecutive
 * messages of the bot (one answer continued over several messages) become one assistant turn.
 */
export async function toHistory(messages: ThreadMessage[], answeredTs: string, ctx: HistoryContext): Promise<ThreadHistory> {
  const relevant = messages.filter(
    (m) => m.ts !== undefined && compareTs(m.ts, answeredTs) <= 0 && CONTENT_SUBTYPES.has(m.subtype),
  );
  const names = await resolveMentions(relevant, ctx);
  const history: HistoryMessage[] = [];
  let previousWasOwn = false;
  for (const message of relevant) {
    const own = message.user === ctx.botUserId || (ctx.botId !== undefined && message.bot_id === ctx.botId);
    const text = slackToPlainText(message.text ?? "", ctx.botUserId, names);
    const imageCount = (message.files ?? []).filter(isImageFile).length;
    if (own) {
      const last = history.at(-1);
      if (previousWasOwn && last) {
        last.text = [last.text, text].filter(Boolean).join("\n");
        last.imageCount += imageCount;
      } else {
        history.push({ role: "assistant", speaker: "", text, imageCount });
      }
      previousWasOwn = true;
      continue;
    }
    previousWasOwn = false;
    const isBot = message.bot_id !== undefined || message.subtype === "bot_message";
    const speaker = await speakerName(message, isBot, ctx.directory);
    history.push({ role: "user", speaker, text, imageCount, ...(isBot ? { isBot: true } : {}) });
  }
  const answered = relevant.find((m) => m.ts === answeredTs);
  return { history, answered };
}

async function speakerName(message: ThreadMessage, isBot: boolean, directory: UserDirectory): Promise<string> {
  if (isBot) {
    const name = message.bot_profile?.name || message.username;
    if (name) return name;
    if (message.bot_id) return directory.botName(message.bot_id);
  }
  if (message.user) return directory.userName(message.user);
  return message.username ?? "";
}

async function resolveMentions(messages: ThreadMessage[], ctx: HistoryContext): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const m of messages) for (const id of mentionedUserIds(m.text ?? "")) if (id !== ctx.botUserId) ids.add(id);
  const entries = await Promise.all([...ids].map(async (id) => [id, await ctx.directory.userName(id)] as const));
  return new Map(entries);
}
