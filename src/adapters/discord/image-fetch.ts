/**
 * Downloads the images attached to the answered messages so the model can see them. Discord attachment URLs are
 * signed CDN links that need no token; they are fetched only from Discord's CDN hosts (or the host of
 * DISCORD_API_URL, for a proxy and the tests), never through a redirect, with size and count capped and the
 * type taken from the bytes.
 */
import type { Attachment, Message } from "discord.js";
import type { Logger } from "pino";
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGES, imageFromResponse, selectImages, type ImageDownload, type SelectedImages } from "../../media/image-selection.js";
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

/** The images of `messages` (oldest first) the model gets, by the one rule of src/media, and the sentence about the rest. */
export async function fetchImages(messages: Message | readonly Message[], options: ImageFetchOptions): Promise<SelectedImages> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const list = Array.isArray(messages) ? (messages as readonly Message[]) : [messages as Message];
  const candidates = list.flatMap((message) => [...message.attachments.values()]).filter(isImageAttachment);
  return selectImages(candidates, (attachment) => fetchOne(attachment, options, maxBytes), {
    maxCount: options.maxCount ?? DEFAULT_MAX_IMAGES,
    maxBytes,
  });
}

async function fetchOne(attachment: Attachment, options: ImageFetchOptions, maxBytes: number): Promise<ImageDownload> {
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
    return "failed";
  }
  if (!isDiscordAttachmentHost(url, options.apiUrl)) {
    log.warn({ host: url.host }, "Not downloading an attachment from a host outside Discord; image skipped");
    return "failed";
  }
  try {
    const response = await (options.fetch ?? fetch)(url, {
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    return await imageFromResponse(response, { maxBytes, displayName: attachment.name, claimedType: attachment.contentType }, log);
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Discord image download failed");
    return "failed";
  }
}
