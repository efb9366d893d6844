/**
 * Text, code and log files attached in a conversation, for the model to read: the one rule every platform uses.
 * A platform hands over its candidates (attachments that are not images), newest first, and a way to download
 * one; the bytes decide whether a file is text (text-type.ts), whatever its name or claimed type. Caps: files per
 * answer, bytes per file and bytes per answer in all (selection.ts). The user hears, in one sentence, which of
 * the files they asked about the model did not get, and why.
 */
import type { TextFileInput } from "../history/types.js";
import type { AttachmentKind, Download } from "./downloaded-file.js";
import { isDownloaded } from "./downloaded-file.js";
import { formatBytes, joinList, plural, selectInOrder } from "./selection.js";
import { decodeText } from "./text-type.js";

export const DEFAULT_MAX_TEXT_FILES = 10;
export const DEFAULT_MAX_TEXT_FILE_BYTES = 256 * 1024;
export const DEFAULT_MAX_TEXT_FILES_TOTAL_BYTES = 512 * 1024;

export interface TextFileLimits {
  /** Files per answer; 0 turns reading files off. */
  maxCount: number;
  /** Bytes per file. */
  maxBytes: number;
  /** Bytes of all files of one answer together. */
  maxTotalBytes: number;
}

export const DEFAULT_TEXT_FILE_LIMITS: TextFileLimits = {
  maxCount: DEFAULT_MAX_TEXT_FILES,
  maxBytes: DEFAULT_MAX_TEXT_FILE_BYTES,
  maxTotalBytes: DEFAULT_MAX_TEXT_FILES_TOTAL_BYTES,
};

export type TextFileDownload = Download<TextFileInput>;

/** The bytes as a text file for the model, when they are UTF-8 text. */
export const TEXT_FILE_KIND: AttachmentKind<TextFileInput> = {
  noun: "text file",
  accept(data, file) {
    const text = decodeText(data);
    if (text === undefined) return undefined;
    return { name: file.displayName || "file.txt", text, bytes: data.byteLength };
  },
};

/** One candidate: where it came from decides whether its fate is worth a sentence to the user. */
export interface TextFileCandidate<F> {
  file: F;
  /** Attached to a message being answered now (its skips are told); older files are context, skipped quietly. */
  asked: boolean;
}

export interface TextFileSkips {
  tooMany: number;
  tooLarge: number;
  notText: number;
  failed: number;
  overTotal: number;
}

export interface SelectedTextFiles {
  /** Oldest first, as the conversation has them. */
  files: TextFileInput[];
  /** Every candidate the model did not get (asked or not). */
  skips: TextFileSkips;
  /** The sentence for the user about the asked files left out (none when the model got them all). */
  notices: string[];
}

/**
 * The files the model reads, from `candidates` newest first (the newest files are the ones the question is most
 * likely about, so they win the caps). Only the fate of `asked` candidates is said to the user: a file skipped in
 * an earlier message was already said when that message was answered, or was never asked about.
 */
export async function selectTextFiles<F>(
  candidates: readonly TextFileCandidate<F>[],
  download: (file: F) => Promise<TextFileDownload>,
  limits: TextFileLimits = DEFAULT_TEXT_FILE_LIMITS,
): Promise<SelectedTextFiles> {
  const none: TextFileSkips = { tooMany: 0, tooLarge: 0, notText: 0, failed: 0, overTotal: 0 };
  if (limits.maxCount <= 0 || candidates.length === 0) return { files: [], skips: none, notices: [] };
  const selection = await selectInOrder(
    candidates,
    async (candidate) => ({ candidate, result: await download(candidate.file) }),
    (entry): entry is { candidate: TextFileCandidate<F>; result: TextFileInput } => isDownloaded(entry.result),
    { maxCount: limits.maxCount, maxTotalBytes: limits.maxTotalBytes },
    (entry) => entry.result.bytes,
  );
  const kept = new Set(selection.accepted);
  const skipsOf = (onlyAsked: boolean): TextFileSkips => {
    const counted = (entry: { candidate: TextFileCandidate<F> }) => !onlyAsked || entry.candidate.asked;
    const tried = selection.results.filter(counted);
    return {
      tooMany: candidates.slice(candidates.length - selection.notTried).filter((c) => !onlyAsked || c.asked).length,
      tooLarge: tried.filter((e) => e.result === "too_large").length,
      notText: tried.filter((e) => e.result === "wrong_kind").length,
      failed: tried.filter((e) => e.result === "failed").length,
      overTotal: tried.filter((e) => isDownloaded(e.result) && !kept.has(e as never)).length,
    };
  };
  const notice = textFileNotice(skipsOf(true), limits);
  return {
    files: selection.accepted.map((entry) => entry.result).reverse(),
    skips: skipsOf(false),
    notices: notice ? [notice] : [],
  };
}

/** One sentence telling the user which of their files the model did not get, or undefined when it got them all. */
export function textFileNotice(skips: Partial<TextFileSkips>, limits: TextFileLimits = DEFAULT_TEXT_FILE_LIMITS): string | undefined {
  const files = (n: number) => `${n} ${plural(n, "file", "files")}`;
  const parts: string[] = [];
  if (skips.notText) parts.push(`${files(skips.notText)} that ${plural(skips.notText, "is", "are")} not text (binary, or not UTF-8)`);
  if (skips.tooLarge) parts.push(`${files(skips.tooLarge)} larger than ${formatBytes(limits.maxBytes)}`);
  if (skips.tooMany) parts.push(`${files(skips.tooMany)} beyond the ${limits.maxCount} I read per answer`);
  if (skips.overTotal) parts.push(`${files(skips.overTotal)} past the ${formatBytes(limits.maxTotalBytes)} I read per answer in all`);
  if (skips.failed) parts.push(`${files(skips.failed)} I could not download`);
  if (parts.length === 0) return undefined;
  return `I couldn't read ${joinList(parts)}.`;
}
