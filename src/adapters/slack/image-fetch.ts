/**
 * Downloads the images of the message being answered so the model can see them. Slack files need the bot token,
 * so the token goes only to Slack's own hosts (or the host of SLACK_API_URL); the type is taken from the bytes,
 * and size and count are capped.
 */
import type { Logger } from "pino";
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGES, imageFromResponse, selectImages, type ImageDownload, type SelectedImages } from "../../media/image-selection.js";
import { isImageFile, type SlackFile } from "./history-reader.js";

export interface ImageFetchOptions {
  botToken: string;
  /** SLACK_API_URL: its host is trusted with the token too (enterprise proxies, GovSlack, tests). */
  apiUrl?: string;
  maxBytes?: number;
  maxCount?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger: Logger;
}

/** Slack's own domains: slack.com, slack-edu.com, slack-gov.com and their subdomains (files.slack.com, ...). */
const SLACK_DOMAINS = ["slack.com", "slack-edu.com", "slack-gov.com"];

export function isTrustedFileHost(url: URL, apiUrl?: string): boolean {
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  if (apiUrl) {
    const api = new URL(apiUrl);
    if (url.host === api.host && url.protocol === api.protocol) return true;
  }
  if (url.protocol !== "https:") return false;
  const host = url.hostname.toLowerCase();
  return SLACK_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** Files presented as images: by their claimed type or their name. Their bytes decide what they really are. */
export function looksLikeImage(file: SlackFile): boolean {
  return isImageFile(file) || /\.(png|jpe?g|gif|webp)$/i.test(file.name ?? "");
}

/** The images of `files` the model gets, by the one rule of src/media, and the sentence about the rest. */
export async function fetchImages(files: readonly SlackFile[], options: ImageFetchOptions): Promise<SelectedImages> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  return selectImages(files.filter(looksLikeImage), (file) => fetchOne(file, options, maxBytes), {
    maxCount: options.maxCount ?? DEFAULT_MAX_IMAGES,
    maxBytes,
  });
}

async function fetchOne(file: SlackFile, options: ImageFetchOptions, maxBytes: number): Promise<ImageDownload> {
  const log = options.logger.child({ fileId: file.id });
  if (file.size !== undefined && file.size > maxBytes) {
    log.info({ size: file.size, maxBytes }, "Skipping a Slack image larger than the limit");
    return "too_large";
  }
  const address = file.url_private_download ?? file.url_private;
  if (!address) return "failed";
  try {
    let url = new URL(address);
    const doFetch = options.fetch ?? fetch;
    for (let hop = 0; hop < 4; hop++) {
      if (!isTrustedFileHost(url, options.apiUrl)) {
        log.warn({ host: url.host }, "Not sending the Slack token to a host outside Slack; image skipped");
        return "failed";
      }
      const response = await doFetch(url, {
        headers: { authorization: `Bearer ${options.botToken}` },
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      if (response.status >= 300 && response.status < 400 && response.headers.get("location")) {
        await response.body?.cancel();
        url = new URL(response.headers.get("location")!, url);
        continue;
      }
      return await imageFromResponse(response, { maxBytes, displayName: file.name, claimedType: file.mimetype }, log);
    }
    log.warn("Too many redirects downloading a Slack image; skipped");
    return "failed";
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Slack image download failed");
    return "failed";
  }
}
