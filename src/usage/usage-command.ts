/**
 * The usage command every platform offers (Slack `/copilot usage`, Discord `/usage`): the day's use of the
 * asker's workspace against its budget, as one short reply only the asker sees.
 */
import type { Logger } from "pino";
import type { UsageLedger, UsageScope } from "./usage-ledger.js";
import { usageReport } from "./usage-sentences.js";

/** The subcommand word, as typed after `/copilot`. */
export const USAGE_SUBCOMMAND = "usage";

/** The reply's text; never throws (a store that does not answer gets a sentence, and a log line). */
export async function usageCommandReply(ledger: UsageLedger | undefined, scope: UsageScope, logger: Logger): Promise<string> {
  if (!ledger) return "Usage is not counted by this bot.";
  try {
    return usageReport(await ledger.today(scope), ledger.limits, ledger.clock());
  } catch (error) {
    logger.warn({ err: error, platform: scope.platform, workspace: scope.workspace }, "Could not read the day's usage for a usage command");
    return "Sorry, I could not read today's usage right now; please try again in a minute.";
  }
}
