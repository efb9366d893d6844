/**
 * The subcommands of `/copilot` (`/copilot model …`, `/copilot instructions …`): a small table, so each feature
 * adds its own entry without touching the dispatch. Text that does not start with a subcommand's name is a
 * question, as before.
 */
import type { Logger } from "pino";
import type { AdapterRequestGate } from "../../core/adapter-options.js";

/** One use of a subcommand, as the dispatch hands it over. */
export interface SubcommandUse {
  team: string;
  channel: string;
  user: string;
  /** What follows the subcommand's name, trimmed. */
  args: string;
  /** Answers the person who used the command, and nobody else (an ephemeral response). */
  respond(text: string): Promise<void>;
  log: Logger;
}

export interface CopilotSubcommand {
  /** The first word, lower case ("model"). */
  name: string;
  /** False for a subcommand that is only the word itself: followed by more text, it is a question. */
  takesArgs?: boolean;
  /** Runs after the command was acknowledged; answers through `use.respond`. */
  run(use: SubcommandUse): Promise<void>;
}

/** The subcommand `text` starts with, and its arguments; undefined when `text` is a question. */
export function matchSubcommand(
  table: readonly CopilotSubcommand[],
  text: string,
): { subcommand: CopilotSubcommand; args: string } | undefined {
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  const word = match[1]!.toLowerCase();
  const subcommand = table.find((entry) => entry.name === word);
  const args = (match[2] ?? "").trim();
  if (!subcommand || (subcommand.takesArgs === false && args !== "")) return undefined;
  return { subcommand, args };
}

/** The access lists apply to commands as to questions; a refused person gets the gate's one sentence. */
export async function admittedByGate(gate: AdapterRequestGate | undefined, use: SubcommandUse): Promise<boolean> {
  const decision = gate?.check({ platform: "slack", userId: use.user, channelId: use.channel }, { countsTowardLimit: false });
  if (!decision || decision.allowed) return true;
  use.log.info({ because: decision.because }, "Slack /copilot subcommand refused by the safety gate");
  if (decision.reply) await use.respond(decision.reply);
  return false;
}
