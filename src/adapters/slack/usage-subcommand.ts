/**
 * `/copilot usage`: the workspace's use today against its daily budget, for the asker only. An entry of the
 * /copilot table, so the access lists apply as to every other subcommand.
 */
import type { AdapterRequestGate } from "../../core/adapter-options.js";
import { USAGE_SUBCOMMAND, usageCommandReply } from "../../usage/usage-command.js";
import type { UsageLedger } from "../../usage/usage-ledger.js";
import { admittedByGate, type CopilotSubcommand } from "./copilot-subcommands.js";

export function usageSubcommand(deps: { usage?: UsageLedger; gate?: AdapterRequestGate }): CopilotSubcommand {
  return {
    name: USAGE_SUBCOMMAND,
    // "/copilot usage of hooks in React?" is a question.
    takesArgs: false,
    async run(use) {
      if (!(await admittedByGate(deps.gate, use))) return;
      // Asked only after the ack (the dispatch acks first): the store may take longer than Slack's 3 s.
      await use.respond(await usageCommandReply(deps.usage, { platform: "slack", workspace: use.team }, use.log));
    },
  };
}
