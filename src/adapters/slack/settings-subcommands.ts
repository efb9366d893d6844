/**
 * `/copilot model [name] [effort]` and `/copilot instructions [set <text>|clear]`: a channel's model and its own
 * instructions. Anyone the access lists allow may look; a change needs a workspace admin or owner (users.info
 * `is_admin` / `is_owner`), except in a direct message with the bot, which is the person's own place.
 */
import type { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import type { AdapterRequestGate } from "../../core/adapter-options.js";
import { describeError } from "../../core/describe-error.js";
import { SettingsCommands, type ModelCatalog, type SettingsPlace } from "../../core/settings-commands.js";
import type { StateStore } from "../../store/types.js";
import { admittedByGate, type CopilotSubcommand, type SubcommandUse } from "./copilot-subcommands.js";
import { SLASH_COMMAND } from "./surfaces.js";
import { slackSettingsKeys, storeKeys } from "./store-keys.js";

export interface SettingsSubcommandDeps {
  store: StateStore;
  client: Pick<webApi.WebClient, "users">;
  models?: ModelCatalog;
  gate?: AdapterRequestGate;
  logger: Logger;
}

export const ADMIN_ONLY_SENTENCE = "Only a workspace admin or owner can change this channel's model and instructions.";

export function settingsSubcommands(deps: SettingsSubcommandDeps): CopilotSubcommand[] {
  const commands = new SettingsCommands({ store: deps.store, ...(deps.models ? { models: deps.models } : {}), logger: deps.logger });

  async function isAdmin(user: string, log: Logger): Promise<boolean> {
    try {
      const { user: info } = await deps.client.users.info({ user });
      return Boolean(info?.is_admin || info?.is_owner || info?.is_primary_owner);
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not look up whether a user is a workspace admin; treated as not");
      return false;
    }
  }

  function place(use: SubcommandUse): SettingsPlace {
    const dm = use.channel.startsWith("D");
    return {
      keys: slackSettingsKeys(use.team, use.channel),
      writeKeys: { model: storeKeys.modelChoice(use.team, use.channel), instructions: storeKeys.instructions(use.team, use.channel) },
      where: dm ? "this conversation" : "this channel",
      user: use.user,
      mayChange: async () => dm || (await isAdmin(use.user, use.log)),
      refusal: ADMIN_ONLY_SENTENCE,
    };
  }

  /** Runs one subcommand; a failure is logged and said in one sentence, never thrown. */
  const guarded = (run: (use: SubcommandUse) => Promise<string>) => async (use: SubcommandUse) => {
    try {
      if (!(await admittedByGate(deps.gate, use))) return;
      await use.respond(await run(use));
    } catch (error) {
      use.log.warn({ err: describeError(error) }, "A /copilot settings command failed");
      await use.respond("Sorry, that command failed; please try again in a minute.").catch(() => undefined);
    }
  };

  return [
    {
      name: "model",
      run: guarded(async (use) => {
        const [name, effort, ...rest] = use.args.split(/\s+/).filter(Boolean);
        if (rest.length > 0) return `Use \`${SLASH_COMMAND} model [name] [effort]\`, e.g. \`${SLASH_COMMAND} model gpt-5 high\`.`;
        return commands.model(place(use), name, effort);
      }),
    },
    {
      name: "instructions",
      run: guarded(async (use) => {
        const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(use.args);
        const action = match?.[1]?.toLowerCase();
        if (!action) return commands.showInstructions(place(use));
        if (action === "set") return commands.setInstructions(place(use), match?.[2] ?? "");
        if (action === "clear" && !match?.[2]) return commands.clearInstructions(place(use));
        return `Use \`${SLASH_COMMAND} instructions\` to see them, \`${SLASH_COMMAND} instructions set <text>\` or \`${SLASH_COMMAND} instructions clear\`.`;
      }),
    },
  ];
}
