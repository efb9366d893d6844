/**
 * Slash commands beyond /ask and /new (`/model`, `/instructions`, …): each feature adds an entry to this table —
 * its definition for registration, its handler and, for options with autocomplete, its suggestions — and the
 * adapter registers and routes them all without knowing any one of them.
 */
import type { AutocompleteInteraction, ChatInputApplicationCommandData, ChatInputCommandInteraction } from "discord.js";
import type { Logger } from "pino";

export interface DiscordCommand {
  data: ChatInputApplicationCommandData;
  /** Must answer the interaction within Discord's 3 s (reply or defer first). */
  run(interaction: ChatInputCommandInteraction, log: Logger): Promise<void>;
  /** Suggestions for an option with `autocomplete: true`, within 3 s (at most 25 choices). */
  autocomplete?(interaction: AutocompleteInteraction, log: Logger): Promise<void>;
}

export function commandNamed(table: readonly DiscordCommand[], name: string): DiscordCommand | undefined {
  return table.find((command) => command.data.name === name);
}
