/**
 * One attachment's download as src/media sees it, whatever its kind (image, text file): the checked content, or
 * why the model will not get it. The platform's response is read up to the size cap and the bytes decide the
 * kind; the platform's own claims (name, mimetype, size) are never trusted for that.
 */
import type { Logger } from "pino";
import { readCappedBody } from "./capped-body.js";

/** A download: the content, or too large, not of the kind wanted, or not downloadable. */
export type Download<T> = T | "too_large" | "wrong_kind" | "failed";

export interface DownloadedFileInfo {
  maxBytes: number;
  displayName?: string;
  /** The platform's claimed type, for the log only. */
  claimedType?: string | null;
}

/** What the bytes must be: `accept` turns them into the content, or undefined when they are not that kind. */
export interface AttachmentKind<T> {
  /** "image", "text file": for log lines. */
  noun: string;
  accept(data: Buffer, file: DownloadedFileInfo): T | undefined;
}

/** A platform's answer to a download, read within `file.maxBytes` and checked by `kind`. */
export async function fromResponse<T>(response: Response, file: DownloadedFileInfo, kind: AttachmentKind<T>, log: Logger): Promise<Download<T>> {
  if (!response.ok) {
    await response.body?.cancel();
    log.warn({ status: response.status, kind: kind.noun }, "Attachment download failed");
    return "failed";
  }
  const data = await readCappedBody(response, file.maxBytes);
  if (!data) {
    log.info({ maxBytes: file.maxBytes, kind: kind.noun }, "Skipping an attachment larger than the limit");
    return "too_large";
  }
  const content = kind.accept(data, file);
  if (content === undefined) {
    log.info({ claimed: file.claimedType, kind: kind.noun }, "Attachment is not what was wanted by its content; skipped");
    return "wrong_kind";
  }
  return content;
}

export function isDownloaded<T>(result: Download<T>): result is T {
  return typeof result === "object";
}
