/**
 * What one run of a Slack thread hands the core: the thread read fresh as history (answering the newest of the
 * waiting messages, the others being context the model sees), the images of those messages, the text files of
 * the thread, the notices about what it could not take, and the read_thread pages older than what the prompt keeps.
 */
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";
import { readOlderThanPrompt } from "../../history/fit.js";
import type { HistoryMessage, ImageInput, TextFileInput } from "../../history/types.js";
import type { TextFileLimits } from "../../media/text-files.js";
import type { ReadOlder } from "../../tools/read-thread.js";
import type { QueuedSlackMessage } from "./conversation.js";
import { compareTs, isImageFile, readThread, toHistory, type RepliesApi, type ThreadMessage } from "./history-reader.js";
import { fetchImages } from "./image-fetch.js";
import { fetchTextFiles } from "./text-file-fetch.js";
import { slackToPlainText } from "./slack-text.js";
import { isStopWord } from "./stop-request.js";
import type { UserDirectory } from "./user-directory.js";

export interface ThreadTurnDeps {
  client: RepliesApi;
  directory: UserDirectory;
  botUserId: string;
  botId?: string;
  /** Download images for a model that can see them. */
  downloadImages: boolean;
  botToken: string;
  apiUrl?: string;
  maxImages?: number;
  maxImageBytes?: number;
  /** Text files of the thread for the model (MAX_TEXT_FILES ...); none read without. */
  textFiles?: TextFileLimits;
  historyCharBudget?: number;
  maxMessageChars?: number;
  logger: Logger;
}

export interface ThreadTurnParts {
  history: HistoryMessage[];
  images: ImageInput[];
  files: TextFileInput[];
  notices: string[];
  readOlder: ReadOlder;
}

/** `items` oldest first (the last one is answered); all of them share one thread. */
export async function readThreadTurn(items: readonly QueuedSlackMessage[], deps: ThreadTurnDeps): Promise<ThreadTurnParts> {
  const newest = items.at(-1);
  if (!newest) throw new Error("A thread run needs at least one message.");
  const log = deps.logger;
  let messages: ThreadMessage[] = [];
  try {
    messages = await readThread(deps.client, newest.channel, newest.threadTs);
  } catch (error) {
    log.warn({ err: describeError(error) }, "Could not read the Slack thread; answering the waiting messages alone");
  }
  // A question the bot posted for someone (the slash command) is theirs: it is taken from its item below.
  const asked = new Set(items.filter((item) => item.askedFor).map((item) => item.ts));
  if (asked.size > 0) messages = messages.filter((m) => m.ts === undefined || !asked.has(m.ts));
  const read = await toHistory(messages, newest.ts, {
    botUserId: deps.botUserId,
    ...(deps.botId ? { botId: deps.botId } : {}),
    directory: deps.directory,
  });
  // A "stop" was said to the bot, not to the conversation; the stopped reply already says what happened.
  const history = read.history.filter((m) => m.role !== "user" || !isStopWord(m.text));
  // Messages Slack did not list (yet, or at all): taken from their events, so none is left unanswered.
  const listed = new Map(messages.filter((m) => m.ts !== undefined).map((m) => [m.ts!, m]));
  for (const item of items) {
    if (!listed.has(item.ts)) history.push(await fromEvent(item, deps));
  }

  const { images, notices } = deps.downloadImages ? await imagesOf(items, listed, deps) : { images: [], notices: [] };
  const files = deps.textFiles ? await textFilesOf(items, messages, deps, deps.textFiles) : { files: [], notices: [] };
  const readOlder = readOlderThanPrompt(history, {
    ...(deps.historyCharBudget !== undefined ? { historyCharBudget: deps.historyCharBudget } : {}),
    ...(deps.maxMessageChars !== undefined ? { maxMessageChars: deps.maxMessageChars } : {}),
  });
  return { history, images, files: files.files, notices: [...notices, ...files.notices], readOlder };
}

async function fromEvent(item: QueuedSlackMessage, deps: ThreadTurnDeps): Promise<HistoryMessage> {
  return {
    role: "user",
    speaker: item.user ? await deps.directory.userName(item.user) : "",
    text: slackToPlainText(item.text, deps.botUserId),
    imageCount: item.files.filter(isImageFile).length,
    ...(item.botId ? { isBot: true } : {}),
  };
}

/** The images of every waiting message, oldest first, within the limits; a sentence for what was left out. */
async function imagesOf(
  items: readonly QueuedSlackMessage[],
  listed: ReadonlyMap<string, ThreadMessage>,
  deps: ThreadTurnDeps,
): Promise<{ images: ImageInput[]; notices: string[] }> {
  // The thread's copy of a message has its files as Slack keeps them; the event's copy is the fallback.
  const files = [...items]
    .sort((a, b) => compareTs(a.ts, b.ts))
    .flatMap((item) => listed.get(item.ts)?.files ?? item.files);
  if (files.length === 0) return { images: [], notices: [] };
  const { images, notices } = await fetchImages(files, {
    botToken: deps.botToken,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
    ...(deps.maxImages !== undefined ? { maxCount: deps.maxImages } : {}),
    ...(deps.maxImageBytes !== undefined ? { maxBytes: deps.maxImageBytes } : {}),
    logger: deps.logger,
  });
  return { images, notices };
}

/**
 * The text files of the thread up to the newest waiting message (a file posted before the question is often what
 * it is about), the bot's own uploads left out; only the waiting messages' skipped files are told.
 */
async function textFilesOf(
  items: readonly QueuedSlackMessage[],
  thread: readonly ThreadMessage[],
  deps: ThreadTurnDeps,
  limits: TextFileLimits,
): Promise<{ files: TextFileInput[]; notices: string[] }> {
  const newestTs = items.at(-1)!.ts;
  const waiting = new Set(items.map((item) => item.ts));
  const own = (m: ThreadMessage) => m.user === deps.botUserId || (deps.botId !== undefined && m.bot_id === deps.botId);
  const listed = thread.filter((m) => m.ts !== undefined && compareTs(m.ts, newestTs) <= 0 && !own(m));
  const listedTs = new Set(listed.map((m) => m.ts));
  const withFiles = [
    ...listed.map((m) => ({ ts: m.ts!, files: m.files ?? [], asked: waiting.has(m.ts!) })),
    // Messages Slack did not list (yet): their event's files.
    ...items.filter((item) => !listedTs.has(item.ts)).map((item) => ({ ts: item.ts, files: item.files, asked: true })),
  ]
    .filter((m) => m.files.length > 0)
    .sort((a, b) => compareTs(a.ts, b.ts));
  if (withFiles.length === 0) return { files: [], notices: [] };
  const { files, notices } = await fetchTextFiles(withFiles, limits, {
    botToken: deps.botToken,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
    logger: deps.logger,
  });
  return { files, notices };
}
