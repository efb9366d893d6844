/**
 * Downloads one Discord attachment (an image or a text file a user attached) for the model. Attachment URLs are
 * signed CDN links that need no token; they are fetched only from Discord's CDN hosts (or the host of
 * DISCORD_API_URL, for a proxy and the tests), never through a redirect, with the size capped (Discord's claimed
 * size first, then the bytes read) and the kind decided by the bytes (src/media).
 */
import type { Attachment } from "discord.js";
import type { Logger } from "pino";
import { fromResponse, type AttachmentKind, type Download } from "../../media/downloaded-file.js";

export interface DiscordFileFetchOptions {
  /** DISCORD_API_URL: attachments served from its host are accepted too. */
  apiUrl?: string;
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

export async function fetchDiscordAttachment<T>(
  attachment: Attachment,
  kind: AttachmentKind<T>,
  maxBytes: number,
  options: DiscordFileFetchOptions,
): Promise<Download<T>> {
  const log = options.logger.child({ attachmentId: attachment.id });
  if (attachment.size > maxBytes) {
    log.info({ size: attachment.size, maxBytes, kind: kind.noun }, "Skipping a Discord attachment larger than the limit");
    return "too_large";
  }
  let url: URL;
  try {
    url = new URL(attachment.url);
  } catch {
    log.warn("Discord gave an attachment URL that is not a URL; skipped");
    return "failed";
  }
  if (!isDiscordAttachmentHost(url, options.apiUrl)) {
    log.warn({ host: url.host }, "Not downloading an attachment from a host outside Discord; skipped");
    return "failed";
  }
  try {
    const response = await (options.fetch ?? fetch)(url, {
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    return await fromResponse(response, { maxBytes, displayName: attachment.name, claimedType: attachment.contentType }, kind, log);
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Discord attachment download failed");
    return "failed";
  }
}
