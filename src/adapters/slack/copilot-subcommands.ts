/**
 * The subcommands of `/copilot` (`/copilot model …`, `/copilot instructions …`): a small table, so each feature
 * adds its own entry without touching the dispatch. Text that does not start with a subcommand's name is a
 * question, as before.
 */
import type { Logger } from "pino";

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
  return subcommand ? { subcommand, args: (match[2] ?? "").trim() } : undefined;
}
