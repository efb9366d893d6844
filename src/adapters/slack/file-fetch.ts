/**
 * Downloads one Slack file (an image or a text file a user attached) for the model. Slack files need the bot
 * token, so the token goes only to Slack's own hosts (or the host of SLACK_API_URL), redirects included; the
 * size is capped (Slack's claimed size first, then the bytes read) and the kind is decided by the bytes
 * (src/media).
 */
import type { Logger } from "pino";
import { fromResponse, type AttachmentKind, type Download } from "../../media/downloaded-file.js";
import type { SlackFile } from "./history-reader.js";

export interface SlackFileFetchOptions {
  botToken: string;
  /** SLACK_API_URL: its host is trusted with the token too (enterprise proxies, GovSlack, tests). */
  apiUrl?: string;
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

export async function fetchSlackFile<T>(
  file: SlackFile,
  kind: AttachmentKind<T>,
  maxBytes: number,
  options: SlackFileFetchOptions,
): Promise<Download<T>> {
  const log = options.logger.child({ fileId: file.id });
  if (file.size !== undefined && file.size > maxBytes) {
    log.info({ size: file.size, maxBytes, kind: kind.noun }, "Skipping a Slack file larger than the limit");
    return "too_large";
  }
  const address = file.url_private_download ?? file.url_private;
  if (!address) return "failed";
  try {
    let url = new URL(address);
    const doFetch = options.fetch ?? fetch;
    for (let hop = 0; hop < 4; hop++) {
      if (!isTrustedFileHost(url, options.apiUrl)) {
        log.warn({ host: url.host }, "Not sending the Slack token to a host outside Slack; file skipped");
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
      return await fromResponse(response, { maxBytes, displayName: file.name, claimedType: file.mimetype }, kind, log);
    }
    log.warn("Too many redirects downloading a Slack file; skipped");
    return "failed";
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "Slack file download failed");
    return "failed";
  }
}
