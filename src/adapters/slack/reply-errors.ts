/**
 * Slack Web API errors as the streamer understands them (src/reply/target.ts): every Slack call an answer makes
 * (chat.postMessage / update / delete, the native stream's methods, files.uploadV2) maps its failure here.
 */
import { RateLimitedError, TransientPlatformError } from "../../reply/target.js";
import { networkFailure } from "../../startup/network-failure.js";
import { isTransientSlackError } from "./startup-errors.js";

/**
 * Slack client errors to what the streamer understands: RateLimitedError; TransientPlatformError for Slack's own
 * passing trouble (its documented internal_error, fatal_error, service_unavailable, request_timeout; an HTTP 5xx;
 * no answer at all: a network error or the client's timeout); or an Error naming Slack's code (a refusal).
 */
export function toReplyError(error: unknown, method: string): Error {
  const coded = error as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  if (coded?.code === "slack_webapi_rate_limited_error") {
    return new RateLimitedError(Math.max(1, coded.retryAfter ?? 1) * 1000);
  }
  if (coded?.code === "slack_webapi_platform_error" && coded.data?.error) {
    if (coded.data.error === "ratelimited") return new RateLimitedError(1000);
    if (isTransientSlackError(coded.data.error)) {
      return new TransientPlatformError(`Slack failed ${method}: ${coded.data.error}.`, { cause: error });
    }
    return new Error(`Slack refused ${method}: ${coded.data.error}.`, { cause: error });
  }
  if (coded?.code === "slack_webapi_http_error" && typeof coded.statusCode === "number" && coded.statusCode >= 500) {
    return new TransientPlatformError(`Slack answered ${method} with HTTP ${coded.statusCode}.`, { cause: error });
  }
  if (coded?.code === "slack_webapi_request_error") {
    const reason = networkFailure(error) ?? "no answer";
    return new TransientPlatformError(`Slack could not be reached for ${method}: ${reason}.`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
