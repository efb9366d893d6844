/**
 * The one check an adapter makes before anything costs a model call: access allow-lists first (a refused
 * person does not use up rate), then the per-user rate. Says what to reply, if anything.
 */
import type { Logger } from "pino";
import { checkAccess, type AccessPolicy, type AccessRequest } from "./access.js";
import type { UserRateLimiter } from "./user-rate-limit.js";

export type GateDecision =
  | { allowed: true }
  /** `reply`: the one sentence to post (undefined: stay silent). */
  | { allowed: false; because: "access" | "rate"; reply: string | undefined };

export interface RequestGateOptions {
  access: AccessPolicy;
  rateLimiter?: UserRateLimiter;
  logger?: Logger;
}

export interface GateCheckOptions {
  /**
   * Whether this request counts toward (and is held to) the per-user limit (default true). A stop does not:
   * stopping an answer costs no model call, and a user over the limit must still be able to stop one.
   */
  countsTowardLimit?: boolean;
}

export class RequestGate {
  constructor(private readonly options: RequestGateOptions) {}

  check(request: AccessRequest, options: GateCheckOptions = {}): GateDecision {
    const access = checkAccess(this.options.access, request);
    if (!access.allowed) {
      this.options.logger?.info(
        { platform: request.platform, user: request.userId, channel: request.channelId, reason: access.reason },
        "Request refused by the access allow-list",
      );
      return { allowed: false, because: "access", reply: access.reply };
    }
    if (options.countsTowardLimit === false) return { allowed: true };
    const rate = this.options.rateLimiter?.check(`${request.platform}:${request.userId}`);
    if (rate && !rate.allowed) {
      this.options.logger?.info(
        { platform: request.platform, user: request.userId, retryAfterMs: rate.retryAfterMs },
        "Request refused by the per-user rate limit",
      );
      // Tell the user once per burst, not on every message they send while over the limit.
      return { allowed: false, because: "rate", reply: rate.notify ? rate.reply : undefined };
    }
    return { allowed: true };
  }
}
