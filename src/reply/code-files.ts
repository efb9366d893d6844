/**
 * Long code blocks of an answer, also shared as files: a block of CODE_FILE_MIN_LINES lines or more is uploaded
 * (named from its language: snippet.ts), and the answer's messages are edited to keep a short head of it and a
 * line pointing to the file.
 *
 * When: once the answer is complete, never while it streams. A streamed answer shows every line as it comes
 * (natively streamed text cannot even be taken back), and the file must exist before any of its code leaves the
 * chat: so the full code is shown first, the file is shared, and only then is the block cut to its head. If the
 * upload fails, or the edit does, the full code stays in the chat: nothing is lost. A stopped, failed or empty
 * answer is left as it is (its code may be cut off; a file of half a program helps nobody).
 */
import type { Logger } from "pino";
import { FenceTracker } from "./markdown/fences.js";
import { layout, messageText } from "./markdown/split.js";
import { LEFTOVER_FILLER } from "./notices.js";
import type { ReplyOutcome } from "./stream-reply.js";
import { RateLimitedError, withBudget, type MessageControls, type MessageRef, type ReplyTarget } from "./target.js";

export const DEFAULT_CODE_FILE_MIN_LINES = 60;
export const DEFAULT_CODE_FILE_HEAD_LINES = 8;

export interface CodeFileOptions {
  /** Code lines (fences not counted) from which a block is also shared as a file; 0 turns it off. */
  minLines: number;
  /** Code lines the chat keeps of a shared block. */
  headLines: number;
}

/** A closed, top-level fenced code block of the answer's Markdown. */
export interface CodeBlock {
  /** Index of the opening fence line in the Markdown's lines. */
  open: number;
  /** Index of the closing fence line. */
  close: number;
  /** The opening line as written ("```ts"). */
  openingLine: string;
  /** The closing line as written. */
  closingLine: string;
  language: string;
  /** The code lines between the fences. */
  lines: string[];
}

/**
 * The blocks of `markdown` with at least `minLines` code lines. Only blocks at the top level (not inside a list
 * item or indented) and closed: those can be cut to a head without touching the Markdown around them.
 */
export function findLongCodeBlocks(markdown: string, minLines: number): CodeBlock[] {
  if (minLines <= 0) return [];
  const lines = markdown.split("\n");
  const tracker = new FenceTracker();
  const blocks: CodeBlock[] = [];
  let open: { index: number; line: string; topLevel: boolean } | undefined;
  lines.forEach((line, index) => {
    const { after, isFenceLine, before } = tracker.next(line);
    if (!isFenceLine) return;
    if (after && !before) {
      open = { index, line, topLevel: after.container === 0 && !/^\s/.test(line) };
      return;
    }
    if (before && !after && open) {
      const code = lines.slice(open.index + 1, index);
      if (open.topLevel && code.length >= minLines) {
        blocks.push({
          open: open.index,
          close: index,
          openingLine: open.line,
          closingLine: line,
          language: open.line.replace(/^[`~]+/, "").trim().split(/\s+/)[0] ?? "",
          lines: code,
        });
      }
      open = undefined;
    }
  });
  return blocks;
}

/** File extensions of the languages models write most; any other simple tag is used as it is. */
const EXTENSIONS: Record<string, string> = {
  typescript: "ts", ts: "ts", tsx: "tsx", javascript: "js", js: "js", jsx: "jsx", mjs: "mjs", cjs: "cjs",
  python: "py", py: "py", ruby: "rb", rb: "rb", go: "go", golang: "go", rust: "rs", rs: "rs", java: "java",
  kotlin: "kt", kt: "kt", swift: "swift", c: "c", h: "h", cpp: "cpp", "c++": "cpp", cc: "cpp", hpp: "hpp",
  csharp: "cs", "c#": "cs", cs: "cs", php: "php", shell: "sh", sh: "sh", bash: "sh", zsh: "sh", console: "sh",
  powershell: "ps1", ps1: "ps1", sql: "sql", json: "json", jsonc: "json", yaml: "yaml", yml: "yaml", toml: "toml",
  xml: "xml", html: "html", css: "css", scss: "scss", markdown: "md", md: "md", diff: "diff", patch: "diff",
  ini: "ini", lua: "lua", r: "r", scala: "scala", dart: "dart", elixir: "ex", haskell: "hs", terraform: "tf",
  hcl: "tf", graphql: "graphql", proto: "proto", protobuf: "proto", vue: "vue", svelte: "svelte", text: "txt",
  txt: "txt", plaintext: "txt", log: "log", csv: "csv", dockerfile: "dockerfile", makefile: "mk",
};

/** "snippet.ts" for a ts block; "snippet-2.ts" when `taken` already has that name. */
export function codeFileName(language: string, taken: ReadonlySet<string> = new Set()): string {
  const tag = language.toLowerCase();
  const extension = EXTENSIONS[tag] ?? (/^[a-z0-9]{1,10}$/.test(tag) ? tag : "txt");
  let name = `snippet.${extension}`;
  for (let n = 2; taken.has(name); n++) name = `snippet-${n}.${extension}`;
  return name;
}

/** `markdown` with each shared block cut to its first `headLines` lines and a line naming its file. */
export function withCodeHeads(markdown: string, shared: ReadonlyArray<{ block: CodeBlock; fileName: string }>, headLines: number): string {
  const lines = markdown.split("\n");
  for (const { block, fileName } of [...shared].sort((a, b) => b.block.open - a.block.open)) {
    const head = block.lines.slice(0, Math.max(1, headLines));
    const rest = block.lines.length - head.length;
    const pointer = `_(${rest} more ${rest === 1 ? "line" : "lines"}: the whole block is in ${fileName}, shared below.)_`;
    lines.splice(block.open, block.close - block.open + 1, block.openingLine, ...head, block.closingLine, pointer);
  }
  return lines.join("\n");
}

export interface SharedCode {
  /** Files shared, in the answer's order. */
  files: string[];
  /** Whether the answer's messages now show the heads. */
  edited: boolean;
}

/** What code-files needs of the reply target: upload and edit (ReplyTarget has both, the upload optional). */
export type CodeFileTarget = Pick<
  ReplyTarget,
  "render" | "edit" | "delete" | "budget" | "postUsesBudget" | "maxMessageLength" | "uploadFile" | "maxUploadBytes" | "controls"
>;

/** Shares the long code blocks of a complete answer as files and cuts them to their heads in the chat; never throws. */
export async function shareLongCode(
  outcome: Pick<ReplyOutcome, "status" | "markdown" | "messages">,
  target: CodeFileTarget,
  options: CodeFileOptions,
  log: Logger,
): Promise<SharedCode> {
  try {
    return await share(outcome, target, options, log);
  } catch (error) {
    // The answer is delivered whatever happens here; the worst left behind is the full code in the chat.
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Could not share the answer's long code blocks");
    return { files: [], edited: false };
  }
}

async function share(
  outcome: Pick<ReplyOutcome, "status" | "markdown" | "messages">,
  target: CodeFileTarget,
  options: CodeFileOptions,
  log: Logger,
): Promise<SharedCode> {
  const none: SharedCode = { files: [], edited: false };
  if (outcome.status !== "complete" || !target.uploadFile || outcome.messages.length === 0) return none;
  const blocks = findLongCodeBlocks(outcome.markdown, options.minLines);
  if (blocks.length === 0) return none;

  const shared: Array<{ block: CodeBlock; fileName: string }> = [];
  const taken = new Set<string>();
  for (const block of blocks) {
    const fileName = codeFileName(block.language, taken);
    taken.add(fileName);
    const content = `${block.lines.join("\n")}\n`;
    if (target.maxUploadBytes !== undefined && Buffer.byteLength(content) > target.maxUploadBytes) {
      log.info({ fileName, maxUploadBytes: target.maxUploadBytes }, "A long code block is larger than the platform takes as a file; it stays in the chat");
      continue;
    }
    try {
      const upload = () => target.uploadFile!({ name: fileName, content });
      // Where a new message draws from the reply's budget (Discord), so does the message carrying the file.
      await (target.postUsesBudget === false ? upload() : withBudget(target.budget, upload));
      shared.push({ block, fileName });
    } catch (error) {
      log.warn({ fileName, err: error instanceof Error ? error.message : String(error) }, "Could not share a long code block as a file; it stays whole in the chat");
    }
  }
  if (shared.length === 0) return none;
  const files = shared.map((s) => s.fileName);
  const edited = await showHeads(outcome, withCodeHeads(outcome.markdown, shared, options.headLines), target, log);
  log.info({ files, edited }, "Shared the answer's long code blocks as files");
  return { files, edited };
}

/**
 * Edits the answer's messages to show `markdown` (the answer with the heads), laid out as the streamer lays out
 * a final answer. Every message is edited, not only the one with the block: where an earlier message ended
 * depends on how the answer streamed (a native stream's messages are not cut by length), and the new layout
 * must not repeat or drop a line at a boundary. A layout needing more messages than the answer has is not
 * forced: the full code stays.
 */
async function showHeads(outcome: Pick<ReplyOutcome, "markdown" | "messages">, markdown: string, target: CodeFileTarget, log: Logger): Promise<boolean> {
  const max = Math.max(1, Math.floor(Number(target.maxMessageLength) || 2000));
  const after = layout(renderSafely(target, markdown), max).map(messageText);
  if (after.length > outcome.messages.length) {
    log.info({ messages: outcome.messages.length, needed: after.length }, "The answer with code heads would need more messages; it keeps the full code");
    return false;
  }
  try {
    for (let i = 0; i < outcome.messages.length; i++) {
      const ref = outcome.messages[i]!;
      if (i < after.length) {
        // The answer is complete: where the target draws buttons, an edit replaces them, so the last message keeps
        // its 👍/👎 and the others none (as the streamer left them).
        const controls = target.controls ? (i === after.length - 1 ? "feedback" : "none") : undefined;
        await editOnce(target, ref, after[i]!, controls);
      } else if (target.delete) {
        await withBudget(target.budget, () => target.delete!(ref));
      } else {
        await editOnce(target, ref, LEFTOVER_FILLER);
      }
    }
    return true;
  } catch (error) {
    // Some messages may show the head already: each of them points to the file, which is shared; none is lost.
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Could not cut a shared code block to its head in the chat");
    return false;
  }
}

/** One edit through the reply's budget; a "slow down" is waited out once. */
async function editOnce(target: CodeFileTarget, ref: MessageRef, text: string, controls?: MessageControls): Promise<void> {
  try {
    await withBudget(target.budget, () => target.edit(ref, text, controls));
  } catch (error) {
    if (!(error instanceof RateLimitedError)) throw error;
    target.budget.pause(error.retryAfterMs);
    await withBudget(target.budget, () => target.edit(ref, text, controls));
  }
}

function renderSafely(target: CodeFileTarget, markdown: string): string {
  try {
    const rendered = target.render(markdown);
    return rendered.trim() === "" ? markdown : rendered;
  } catch {
    return markdown;
  }
}
