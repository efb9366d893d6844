/**
 * The warning for requests that fail Slack's signature check (HTTP mode).
 *
 * Slack has no method to verify a signing secret, so a wrong SLACK_SIGNING_SECRET shows only when Slack's own
 * requests start failing the check. The bot must not exit then: anyone who can reach the URL can send a request
 * with a bad signature, and exiting would hand them an off switch. Such requests get 401 and this warning, which
 * names the setting; it is written at most once per interval (with a count of the rest), so a flood of forged
 * requests cannot fill the log.
 */
import type { Logger } from "pino";

export const SIGNATURE_WARNING =
  "A request failed Slack's signature check and was refused (401): if Slack's own events are refused too, " +
  "SLACK_SIGNING_SECRET does not match the Signing Secret under Basic Information → App Credentials";

export class SignatureFailureWarning {
  private lastWarnedAt = Number.NEGATIVE_INFINITY;
  private refusedSince = 0;

  constructor(
    private readonly logger: Logger,
    /** At most one warning per this many ms (default one a minute). */
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** One request was refused for its signature. */
  note(): void {
    this.refusedSince++;
    const now = this.now();
    if (now - this.lastWarnedAt < this.intervalMs) return;
    this.logger.warn({ refused: this.refusedSince, perMs: this.intervalMs }, SIGNATURE_WARNING);
    this.lastWarnedAt = now;
    this.refusedSince = 0;
  }
}
