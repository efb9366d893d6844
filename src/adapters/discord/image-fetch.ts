/**
 * Downloads the images attached to the answered message so the model can see them. Discord attachment URLs are
 * signed CDN links that need no token; they are fetched only from Discord's CDN hosts (or the host of
 * DISCORD_API_URL, for a proxy and the tests), never through a redirect, with size and count capped and the
 * type taken from the bytes.
 */
import type { Attachment, Message } from "discord.js";
import type { Logger } from "pino";
import { readCappedBody } from "../../core/capped-body.js";
import { detectImageType } from "../../core/image-type.js";
import type { ImageInput } from "../../history/types.js";
import { isImageAttachment } from "./discord-text.js";

export interface ImageFetchOptions {
  /** DISCORD_API_URL: attachments served from its host are accepted too. */
  apiUrl?: string;
  maxCount?: number;
  maxBytes?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger: Logger;
}

const CDN_HOSTS = new Set(["cdn.discordapp.com", "media.discordapp.net"]);

export function isDiscordAttachmentHost(url: URL, apiUrl?: string): boolean {
  if (apiUrl) {
    const api = new URL(apiUrl);
    if (url.host === api.host && url.protocol === api.protocol) return true;
  }
  return url.protocol === "https:" && CDN_HOSTS.has(url.hostname.toLowerCase());
}

export interface FetchedImages {
  images: ImageInput[];
  /** One sentence per kind of image the model will not see (too many, too large), for the user. */
  notices: string[];
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

export async function fetchImages(message: Message, options: ImageFetchOptions): Promise<FetchedImages> {
  const maxCount = options.maxCount ?? 10;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const all = [...message.attachments.values()].filter(isImageAttachment);
  const candidates = all.slice(0, maxCount);
  const results = await Promise.all(candidates.map((attachment) => fetchOne(attachment, options, maxBytes)));
  const images = results.filter((image): image is ImageInput => image !== undefined && image !== "too_large");
  const notices: string[] = [];
  if (all.length > maxCount) notices.push(`Only the first ${maxCount} images were looked at.`);
  const tooLarge = results.filter((r) => r === "too_large").length;
  if (tooLarge > 0) notices.push(`${tooLarge} image(s) over ${formatSize(maxBytes)} were not looked at.`);
  return { images, notices };
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

async function fetchOne(attachment: Attachment, options: ImageFetchOptions, maxBytes: number): Promise<ImageInput | "too_large" | undefined> {
  const log = options.logger.child({ attachmentId: attachment.id });
  if (attachment.size > maxBytes) {
    log.info({ size: attachment.size, maxBytes }, "Skipping a Discord image larger than the limit");
    return "too_large";
  }
  let url: URL;
  try {
    url = new URL(attachment.url);
  } catch {
    log.warn("Discord gave an attachment URL that is not a URL; image skipped");
    return undefined;
  }
  if (!isDiscordAttachmentHost(url, options.apiUrl)) {
    log.warn({ host: url.host }, "Not downloading an attachment from a host outside Discord; image skipped");
    return undefined;
  }
  try {
    const response = await (options.fetch ?? fetch)(url, {
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    if (!response.ok) {
      await response.body?.cancel();
      log.warn({ status: response.status }, "Discord image download failed");
      return undefined;
    }
    const data = await readCappedBody(response, maxBytes);
    if (!data) {
      log.info({ maxBytes }, "Skipping a Discord image larger than the limit");
      return "too_large";
    }
    const mimeType = detectImageType(data);
    if (!mimeType) {
      log.info({ claimed: attachment.contentType }, "Discord attachment is not a PNG, JPEG, GIF or WebP image; skipped");
      return undefined;
    }
    return { data, mimeType, displayName: attachment.name };
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Discord image download failed");
    return undefined;
  }
}
