/**
 * How much of one message reaches the model: text is cut at a character limit (the model and the user are both
 * told), images are capped by count and size and must really be PNG, JPEG, GIF or WebP (checked by content).
 */
import { detectImageType } from "../core/image-type.js";
import type { ImageInput } from "../history/types.js";

export const DEFAULT_MAX_MESSAGE_CHARS = 8_000;
export const DEFAULT_MAX_IMAGES = 10;
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export interface TextLimitResult {
  /** The text to put in the prompt; when cut, it ends with a note for the model. */
  text: string;
  /** Characters left out (0 when the message fitted). */
  omittedChars: number;
  /** A sentence for the user when the message was cut. */
  userNotice?: string;
}

const formatCount = (n: number) => n.toLocaleString("en-US");

/** Cuts `text` to `maxChars` (never inside a surrogate pair) and says so to the model and the user. */
export function limitMessageText(text: string, maxChars: number = DEFAULT_MAX_MESSAGE_CHARS): TextLimitResult {
  if (maxChars <= 0 || text.length <= maxChars) return { text, omittedChars: 0 };
  let cut = maxChars;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1; // keep an emoji whole rather than half of it
  const omittedChars = text.length - cut;
  return {
    text: `${text.slice(0, cut)}\n[message cut: ${formatCount(omittedChars)} characters omitted]`,
    omittedChars,
    userNotice: `Your message was long, so I only read its first ${formatCount(cut)} characters.`,
  };
}

export interface ImageLimits {
  maxCount: number;
  maxBytes: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxCount: DEFAULT_MAX_IMAGES, maxBytes: DEFAULT_MAX_IMAGE_BYTES };

/** A file the user attached, already downloaded (an adapter should stop downloading past `maxBytes`). */
export interface AttachedFile {
  data: Uint8Array;
  name?: string;
}

export interface ImageSelection {
  images: ImageInput[];
  skippedTooMany: number;
  skippedTooLarge: number;
  skippedNotImage: number;
}

/**
 * Keeps the first `maxCount` real images of at most `maxBytes` each, in order. The name is only a display name:
 * a text file called cat.png is skipped.
 */
export function selectImages(files: readonly AttachedFile[], limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageSelection {
  const selection: ImageSelection = { images: [], skippedTooMany: 0, skippedTooLarge: 0, skippedNotImage: 0 };
  for (const file of files) {
    const mimeType = detectImageType(file.data);
    if (!mimeType) selection.skippedNotImage++;
    else if (file.data.byteLength > limits.maxBytes) selection.skippedTooLarge++;
    else if (selection.images.length >= limits.maxCount) selection.skippedTooMany++;
    else {
      selection.images.push({
        data: Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data),
        mimeType,
        ...(file.name ? { displayName: file.name } : {}),
      });
    }
  }
  return selection;
}

export interface ImageSkips {
  tooMany?: number;
  tooLarge?: number;
  notImage?: number;
}

/** One sentence telling the user which attachments the model did not see, or undefined when it saw them all. */
export function imageLimitNotice(skips: ImageSkips, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): string | undefined {
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
    parts.push(
      `${skips.notImage} ${plural(skips.notImage, "file that is", "files that are")} not a PNG, JPEG, GIF or WebP image`,
    );
  }
  if (parts.length === 0) return undefined;
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `I couldn't look at ${list}.`;
}

/** Convenience: the notice for a `selectImages` result. */
export function selectionNotice(selection: ImageSelection, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): string | undefined {
  return imageLimitNotice(
    { tooMany: selection.skippedTooMany, tooLarge: selection.skippedTooLarge, notImage: selection.skippedNotImage },
    limits,
  );
}
