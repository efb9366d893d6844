/**
 * threadpilot's slash commands and their registration. Registering rewrites the whole list, and Discord counts
 * (and, globally, slowly propagates) every write, so at start the registered list is compared with ours and
 * written only when it differs: in each guild of DISCORD_GUILD_IDS (shown at once), else globally.
 */
import { ApplicationCommandOptionType, type ChatInputApplicationCommandData, type Client } from "discord.js";
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";

export const ASK_COMMAND = "ask";
export const NEW_COMMAND = "new";
export const USAGE_COMMAND = "usage";
export const ASK_QUESTION_OPTION = "question";

export const SLASH_COMMANDS: ChatInputApplicationCommandData[] = [
  {
    name: ASK_COMMAND,
    description: "Ask threadpilot a question; the answer streams into the reply.",
    options: [
      { type: ApplicationCommandOptionType.String, name: ASK_QUESTION_OPTION, description: "Your question", required: true, maxLength: 4000 },
    ],
  },
  { name: NEW_COMMAND, description: "Start a fresh conversation in a new thread." },
  { name: USAGE_COMMAND, description: "Today's AI credits and tokens used in this server, against its daily budget." },
];

export type Registration = "registered" | "unchanged" | "failed";

/** Registers `commands` (default /ask and /new) where they differ from ours; never throws (the bot still answers mentions). */
export async function registerSlashCommands(
  client: Client<true>,
  guildIds: readonly string[],
  logger: Logger,
  commands: readonly ChatInputApplicationCommandData[] = SLASH_COMMANDS,
): Promise<Registration[]> {
  const scopes = guildIds.length > 0 ? [...guildIds] : [undefined];
  return Promise.all(
    scopes.map(async (guildId) => {
      const where = guildId ? { guild: guildId } : { scope: "global" };
      try {
        const existing = await client.application.commands.fetch(guildId ? { guildId } : {});
        const same =
          existing.size === commands.length && commands.every((wanted) => existing.some((command) => command.equals(wanted, true)));
        if (same) {
          logger.debug(where, "Discord slash commands unchanged; not registered again");
          return "unchanged";
        }
        if (guildId) await client.application.commands.set([...commands], guildId);
        else await client.application.commands.set([...commands]);
        logger.info({ ...where, commands: commands.map((c) => c.name) }, "Discord slash commands registered");
        return "registered";
      } catch (error) {
        logger.warn(
          { ...where, err: describeError(error) },
          "Could not register the Discord slash commands: invite the bot with the applications.commands scope (see the README)",
        );
        return "failed";
      }
    }),
  );
}
