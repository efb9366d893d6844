/**
 * Bolt's HTTP receiver for the Events API (POST /slack/events), with what reaches the log bounded: anyone who
 * can reach the port controls how many bad requests arrive, so Bolt's line per refused or malformed request goes
 * to debug, and a failed signature check is said once in a while by SignatureFailureWarning instead.
 */
import { HTTPReceiver, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import { SignatureFailureWarning } from "./signature-warning.js";

export interface HttpReceiverOptions {
  signingSecret: string;
  /** Bolt's logger interface (boltLogger in connection.ts). */
  boltLogger: BoltLogger;
  logger: Logger;
  /** Interval of the signature warning (default one a minute). */
  signatureWarningIntervalMs?: number;
}

export function createHttpReceiver(options: HttpReceiverOptions): HTTPReceiver {
  const base = options.boltLogger;
  // The receiver's own info and warn lines are all about incoming requests (too large, bad signature, malformed
  // body, unknown path); its errors are about our handling and stay errors.
  const quiet: BoltLogger = { ...base, info: base.debug, warn: base.debug };
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, logger: quiet });
  const warning = new SignatureFailureWarning(
    options.logger.child({ component: "slack-http" }),
    options.signatureWarningIntervalMs,
  );
  // Bolt answers 401 for exactly one reason: the request failed signature verification.
  const handle = receiver.requestListener;
  receiver.requestListener = (request, response) => {
    response.once("finish", () => {
      if (response.statusCode === 401) warning.note();
    });
    handle(request, response);
  };
  return receiver;
}
