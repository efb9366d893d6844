/**
 * The one rule for which attached images the model sees, and the one sentence about the rest. Every platform
 * hands over its candidates (attachments it presents as images) in order and a way to download one; the bytes
 * decide what a file really is. The selection itself is the shared one (selection.ts): a file that is not an
 * image, too large, or that failed to download does not take a real image's place. The user hears about every
 * candidate the model did not see, whatever the reason.
 */
import type { Logger } from "pino";
import type { ImageInput } from "../history/types.js";
import { fromResponse, type AttachmentKind, type Download } from "./downloaded-file.js";
import { detectImageType } from "./image-type.js";
import { selectInOrder } from "./selection.js";

export const DEFAULT_MAX_IMAGES = 10;
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export interface ImageLimits {
  maxCount: number;
  maxBytes: number;
}

/** One candidate's download: the image, or why the model will not see it. */
export type ImageDownload = ImageInput | "too_large" | "not_image" | "failed";

export interface ImageSkips {
  tooMany: number;
  tooLarge: number;
  notImage: number;
  failed: number;
}

export interface SelectedImages {
  images: ImageInput[];
  skips: ImageSkips;
  /** The sentence for the user (none when the model saw every candidate). */
  notices: string[];
}

export async function selectImages<F>(
  candidates: readonly F[],
  download: (file: F) => Promise<ImageDownload>,
  limits: Partial<ImageLimits> = {},
): Promise<SelectedImages> {
  const full: ImageLimits = { maxCount: limits.maxCount ?? DEFAULT_MAX_IMAGES, maxBytes: limits.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES };
  const { accepted, results, notTried } = await selectInOrder(candidates, download, isImage, { maxCount: full.maxCount });
  const skips: ImageSkips = {
    tooMany: notTried,
    tooLarge: results.filter((r) => r === "too_large").length,
    notImage: results.filter((r) => r === "not_image").length,
    failed: results.filter((r) => r === "failed").length,
  };
  const notice = imageLimitNotice(skips, full);
  return { images: accepted, skips, notices: notice ? [notice] : [] };
}

function isImage(result: ImageDownload): result is ImageInput {
  return typeof result === "object";
}

/** The bytes as an image for the model, when they are a PNG, JPEG, GIF or WebP image. */
export const IMAGE_KIND: AttachmentKind<ImageInput> = {
  noun: "PNG, JPEG, GIF or WebP image",
  accept(data, file) {
    const mimeType = detectImageType(data);
    if (!mimeType) return undefined;
    return { data, mimeType, ...(file.displayName ? { displayName: file.displayName } : {}) };
  },
};

/**
 * A download's response as an ImageDownload: a failure status, a body over `maxBytes` (never read in full), or
 * bytes that are not a PNG, JPEG, GIF or WebP image are said as such.
 */
export async function imageFromResponse(
  response: Response,
  file: { maxBytes: number; displayName?: string; claimedType?: string | null },
  log: Logger,
): Promise<ImageDownload> {
  return asImageDownload(await fromResponse(response, file, IMAGE_KIND, log));
}

/** The shared download's result in the image rule's words. */
export function asImageDownload(result: Download<ImageInput>): ImageDownload {
  return result === "wrong_kind" ? "not_image" : result;
}

/** One sentence telling the user which attachments the model did not see, or undefined when it saw them all. */
export function imageLimitNotice(skips: Partial<ImageSkips>, limits: ImageLimits = { maxCount: DEFAULT_MAX_IMAGES, maxBytes: DEFAULT_MAX_IMAGE_BYTES }): string | undefined {
  const parts: string[] = [];
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  if (skips.tooMany) {
    parts.push(`${skips.tooMany} ${plural(skips.tooMany, "image", "images")} beyond the first ${limits.maxCount}`);
  }
  if (skips.tooLarge) {
    const mb = Math.round((limits.maxBytes / (1024 * 1024)) * 10) / 10;
    parts.push(`${skips.tooLarge} ${plural(skips.tooLarge, "image", "images")} larger than ${mb} MB`);
  }
  if (skips.notImage) {
    parts.push(`${skips.notImage} ${plural(skips.notImage, "file that is", "files that are")} not a PNG, JPEG, GIF or WebP image`);
  }
  if (skips.failed) {
    parts.push(`${skips.failed} ${plural(skips.failed, "image", "images")} I could not download`);
  }
  if (parts.length === 0) return undefined;
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `I couldn't look at ${list}.`;
}
