/**
 * Slash commands beyond /ask and /new (`/model`, `/instructions`, …): each feature adds an entry to this table —
 * its definition for registration, its handler and, for options with autocomplete, its suggestions — and the
 * adapter registers and routes them all without knowing any one of them.
 */
import type { AutocompleteInteraction, ChatInputApplicationCommandData, ChatInputCommandInteraction } from "discord.js";
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";

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

/** Runs a table command; never throws (a failure is logged and, when the interaction still can, said). */
export async function runCommand(command: DiscordCommand, interaction: ChatInputCommandInteraction, logger: Logger): Promise<void> {
  const log = logger.child({ interaction: interaction.id, command: interaction.commandName, channel: interaction.channelId });
  try {
    await command.run(interaction, log);
  } catch (error) {
    log.warn({ err: describeError(error) }, "A Discord slash command failed");
    const sorry = "Sorry, that command failed; please try again in a minute.";
    await (interaction.deferred || interaction.replied ? interaction.editReply({ content: sorry }) : interaction.reply({ content: sorry })).catch(() => undefined);
  }
}

/** Answers an autocomplete; never throws (Discord shows no suggestions when none come within 3 s). */
export async function runAutocomplete(command: DiscordCommand, interaction: AutocompleteInteraction, logger: Logger): Promise<void> {
  if (!command.autocomplete) return;
  const log = logger.child({ interaction: interaction.id, command: interaction.commandName });
  try {
    await command.autocomplete(interaction, log);
  } catch (error) {
    log.debug({ err: describeError(error) }, "A Discord autocomplete failed");
  }
}
