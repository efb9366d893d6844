/**
 * What a person watching the chat saw, worked out from the platform's side only: after every write the fake
 * platform accepted in a conversation, how many of the model's words were on screen, in order. Words are the
 * letters-and-digits runs of the text (so Markdown, mrkdwn, table layout, fence lines added at message splits
 * and the placeholder do not count as words); a word is visible when every word before it is too.
 *
 * Native streams (Slack's chat.startStream / appendStream / stopStream) are append-only: a write of kind
 * "append" adds its text to what the message already shows (an appendStream, or the text a stopStream ends
 * with), while a post, an edit (chat.update, also of a streamed message once its stream has stopped, the
 * product's fallback) or a delete replaces the message's text.
 */

export type WriteKind = "post" | "edit" | "append" | "delete";

export interface Write {
  /** Epoch ms the platform applied it. */
  at: number;
  messageId: string;
  /**
   * A post, an edit or an append: the message's text after it (an append: the text appended). Undefined: the
   * message was deleted.
   */
  text: string | undefined;
  /** Default: "delete" when `text` is undefined, else "post" or "edit" (the message's first write or not). */
  kind?: WriteKind;
}

/** The message's text after `write`, given its text before (undefined: it did not exist or was deleted). */
export function applyWrite(before: string | undefined, write: Write): string | undefined {
  if (write.text === undefined || write.kind === "delete") return undefined;
  return write.kind === "append" ? (before ?? "") + write.text : write.text;
}

export interface ModelToken {
  word: string;
  /** Offset just past the word in the model's Markdown. */
  end: number;
}

const WORD = /[A-Za-z0-9]+/g;
const FENCE_LINE = /^\s*(`{3,}|~{3,})/;

/** The words of `text`, lines that open or close a code block left out. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (FENCE_LINE.test(line)) continue;
    for (const match of line.matchAll(WORD)) out.push(match[0]);
  }
  return out;
}

/** The model's words with where each ends, so each can be matched to the chunk that completed it. */
export function modelTokens(markdown: string): ModelToken[] {
  const out: ModelToken[] = [];
  let offset = 0;
  for (const line of markdown.split("\n")) {
    if (!FENCE_LINE.test(line)) {
      for (const match of line.matchAll(WORD)) out.push({ word: match[0], end: offset + match.index + match[0].length });
    }
    offset += line.length + 1;
  }
  return out;
}

export interface Timeline {
  /** First write of the bot in the conversation (the placeholder, or the first message). */
  firstWriteAt?: number;
  /** First write that showed at least one of the answer's words. */
  firstWordsAt?: number;
  /** First write after which the whole answer, and nothing else, was on screen. */
  completeAt?: number;
  /** For each model word, when it first became visible (undefined: never). */
  visibleAt: Array<number | undefined>;
  /** Whether the conversation's final state shows exactly the model's words. */
  finalMatches: boolean;
  writes: number;
}

/** Replays a conversation's writes (in order) against the model's words. */
export function replay(writes: Write[], expected: string[]): Timeline {
  const messages = new Map<string, string>();
  const visibleAt: Array<number | undefined> = new Array(expected.length).fill(undefined);
  const timeline: Timeline = { visibleAt, finalMatches: false, writes: writes.length };
  let shown = 0;
  let current: string[] = [];
  for (const write of writes) {
    timeline.firstWriteAt ??= write.at;
    const text = applyWrite(messages.get(write.messageId), write);
    if (text === undefined) messages.delete(write.messageId);
    else messages.set(write.messageId, text);
    current = words([...messages.values()].join("\n"));
    let prefix = 0;
    while (prefix < current.length && prefix < expected.length && current[prefix] === expected[prefix]) prefix++;
    for (let k = shown; k < prefix; k++) visibleAt[k] = write.at;
    shown = Math.max(shown, prefix);
    if (prefix > 0) timeline.firstWordsAt ??= write.at;
    if (prefix === expected.length && current.length === expected.length) timeline.completeAt ??= write.at;
  }
  timeline.finalMatches = current.length === expected.length && current.every((w, i) => w === expected[i]);
  return timeline;
}

/** When each model word left the model: the time of the first chunk that reached past its end. */
export function sentTimes(tokens: ModelToken[], chunks: Array<{ at: number; chars: number }>): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  let c = 0;
  for (const token of tokens) {
    while (c < chunks.length && chunks[c]!.chars < token.end) c++;
    out.push(c < chunks.length ? chunks[c]!.at : undefined);
  }
  return out;
}
