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
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGES, imageLimitNotice } from "../../safety/input-limits.js";
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
  /** One sentence about the attachments the model will not see (too many, too large, not an image), for the user. */
  notices: string[];
}

/**
 * The images of `messages` (oldest first), the first `maxCount` that Discord calls images; only those are
 * downloaded. A file that Discord calls an image but whose bytes are not one is left out, and the user told.
 */
export async function fetchImages(messages: Message | readonly Message[], options: ImageFetchOptions): Promise<FetchedImages> {
  const maxCount = options.maxCount ?? DEFAULT_MAX_IMAGES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const list = Array.isArray(messages) ? (messages as readonly Message[]) : [messages as Message];
  const all = list.flatMap((message) => [...message.attachments.values()]).filter(isImageAttachment);
  const candidates = all.slice(0, maxCount);
  const results = await Promise.all(candidates.map((attachment) => fetchOne(attachment, options, maxBytes)));
  const images = results.filter((image): image is ImageInput => typeof image === "object");
  const notice = imageLimitNotice(
    {
      tooMany: all.length - candidates.length,
      tooLarge: results.filter((r) => r === "too_large").length,
      notImage: results.filter((r) => r === "not_image").length,
    },
    { maxCount, maxBytes },
  );
  return { images, notices: notice ? [notice] : [] };
}

async function fetchOne(
  attachment: Attachment,
  options: ImageFetchOptions,
  maxBytes: number,
): Promise<ImageInput | "too_large" | "not_image" | undefined> {
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
      return "not_image";
    }
    return { data, mimeType, displayName: attachment.name };
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Discord image download failed");
    return undefined;
  }
}
