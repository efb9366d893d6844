/**
 * Downloads the images of the message being answered so the model can see them. Slack files need the bot token,
 * so the token goes only to Slack's own hosts (or the host of SLACK_API_URL); the type is taken from the bytes,
 * and size and count are capped.
 */
import type { Logger } from "pino";
import type { ImageInput } from "../../history/types.js";
import { readCappedBody } from "../../core/capped-body.js";
import { detectImageType } from "../../core/image-type.js";
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

/** The images the model gets, and how many attachments that look like images it does not (for the user's notice). */
export interface FetchedImages {
  images: ImageInput[];
  skips: { tooMany: number; tooLarge: number; notImage: number };
}

/** Files presented as images: by their claimed type or their name. Their bytes decide what they really are. */
export function looksLikeImage(file: SlackFile): boolean {
  return isImageFile(file) || /\.(png|jpe?g|gif|webp)$/i.test(file.name ?? "");
}

type FetchResult = ImageInput | "too_large" | "not_image" | "failed";

export async function fetchImages(files: readonly SlackFile[], options: ImageFetchOptions): Promise<FetchedImages> {
  const maxCount = options.maxCount ?? 10;
  const claimed = files.filter(looksLikeImage);
  const results: FetchResult[] = [];
  // In order, until `maxCount` real images are in: a fake among the first ones does not use up a place.
  let next = 0;
  while (next < claimed.length) {
    const wanted = maxCount - results.filter(isImage).length;
    if (wanted <= 0) break;
    const batch = claimed.slice(next, next + wanted);
    next += batch.length;
    results.push(...(await Promise.all(batch.map((file) => fetchOne(file, options)))));
  }
  return {
    images: results.filter(isImage),
    skips: {
      tooMany: claimed.length - next,
      tooLarge: results.filter((r) => r === "too_large").length,
      notImage: results.filter((r) => r === "not_image").length,
    },
  };
}

function isImage(result: FetchResult): result is ImageInput {
  return typeof result === "object";
}

async function fetchOne(file: SlackFile, options: ImageFetchOptions): Promise<FetchResult> {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
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
      if (!response.ok) {
        await response.body?.cancel();
        log.warn({ status: response.status }, "Slack image download failed");
        return "failed";
      }
      const data = await readCappedBody(response, maxBytes);
      if (!data) {
        log.info({ maxBytes }, "Skipping a Slack image larger than the limit");
        return "too_large";
      }
      const mimeType = detectImageType(data);
      if (!mimeType) {
        log.info({ claimed: file.mimetype }, "Slack file is not a PNG, JPEG, GIF or WebP image; skipped");
        return "not_image";
      }
      return { data, mimeType, ...(file.name ? { displayName: file.name } : {}) };
    }
    log.warn("Too many redirects downloading a Slack image; skipped");
    return "failed";
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Slack image download failed");
    return "failed";
  }
}
