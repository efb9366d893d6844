/**
 * `/model [name] [effort]` (both with autocomplete from the model list) and `/instructions [set] [clear]`: a
 * channel's or thread's model and its own instructions. Anyone the access lists allow may look; a change needs
 * the Manage Channels permission in that channel (a thread: in the thread), except in a DM with the bot. Answers
 * are ephemeral: only the person who asked sees them.
 */
import {
  ApplicationCommandOptionType,
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { Logger } from "pino";
import type { AdapterRequestGate } from "../../core/adapter-options.js";
import { describeError } from "../../core/describe-error.js";
import { SettingsCommands, type ModelCatalog, type SettingsPlace } from "../../core/settings-commands.js";
import type { AccessRequest } from "../../safety/access.js";
import type { StateStore } from "../../store/types.js";
import type { DiscordCommand } from "./command-table.js";
import { discordSettingsKeys, storeKeys } from "./store-keys.js";

export const MODEL_COMMAND = "model";
export const INSTRUCTIONS_COMMAND = "instructions";
const NAME_OPTION = "name";
const EFFORT_OPTION = "effort";
const SET_OPTION = "set";
const CLEAR_OPTION = "clear";

/** Discord's limits on an autocomplete answer: 25 choices, each name and value at most 100 characters. */
const MAX_CHOICES = 25;
const MAX_CHOICE_CHARS = 100;
/** Discord's message content limit for the ephemeral answer. */
const MAX_CONTENT = 2_000;

export const MANAGE_CHANNELS_SENTENCE = "Only someone with the Manage Channels permission here can change this channel's model and instructions.";

export interface SettingsCommandDeps {
  store: StateStore;
  models?: ModelCatalog;
  gate?: AdapterRequestGate;
  /** Where a request comes from, for the access lists (the adapter's placeForGate). */
  placeForGate: (userId: string, channelId: string, channel: ChatInputCommandInteraction["channel"], guildId: string | null) => AccessRequest;
  logger: Logger;
}

export function settingsCommands(deps: SettingsCommandDeps): DiscordCommand[] {
  const commands = new SettingsCommands({ store: deps.store, ...(deps.models ? { models: deps.models } : {}), logger: deps.logger });

  function place(interaction: ChatInputCommandInteraction): SettingsPlace {
    const channel = interaction.channel;
    const thread = channel?.isThread() ? channel : undefined;
    const id = interaction.channelId;
    return {
      keys: discordSettingsKeys(id, thread?.parentId),
      writeKeys: { model: storeKeys.modelChoice(id), instructions: storeKeys.instructions(id) },
      where: thread ? "this thread" : interaction.guildId ? "this channel" : "this conversation",
      user: interaction.user.id,
      // memberPermissions: the member's permissions in this channel, overwrites included (Discord computes them).
      mayChange: async () => !interaction.guildId || Boolean(interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)),
      refusal: MANAGE_CHANNELS_SENTENCE,
    };
  }

  /** Defers (ephemeral) within Discord's 3 s, checks the access lists, then answers with `run`'s sentence. */
  async function answer(interaction: ChatInputCommandInteraction, run: () => Promise<string>): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const member = interaction.inCachedGuild() ? interaction.member : null;
    const decision = deps.gate?.check(
      {
        ...deps.placeForGate(interaction.user.id, interaction.channelId, interaction.channel, interaction.guildId),
        ...(member ? { roleIds: [...member.roles.cache.keys()] } : {}),
      },
      { countsTowardLimit: false },
    );
    if (decision && !decision.allowed) {
      // Refusals silenced by the operator: the waiting reply goes away without a word.
      await (decision.reply ? interaction.editReply({ content: decision.reply }) : interaction.deleteReply());
      return;
    }
    await interaction.editReply({ content: fitContent(await run()), allowedMentions: { parse: [] } });
  }

  const model: DiscordCommand = {
    data: {
      name: MODEL_COMMAND,
      description: "Show or choose the model answers use in this channel or thread.",
      options: [
        { type: ApplicationCommandOptionType.String, name: NAME_OPTION, description: "A model id, or \"default\"", autocomplete: true, maxLength: MAX_CHOICE_CHARS },
        { type: ApplicationCommandOptionType.String, name: EFFORT_OPTION, description: "Reasoning effort, where the model takes one", autocomplete: true, maxLength: 20 },
      ],
    },
    run: (interaction) =>
      answer(interaction, () =>
        commands.model(place(interaction), interaction.options.getString(NAME_OPTION) ?? undefined, interaction.options.getString(EFFORT_OPTION) ?? undefined),
      ),
    async autocomplete(interaction: AutocompleteInteraction, log: Logger) {
      const focused = interaction.options.getFocused(true);
      let choices: Array<{ name: string; value: string }> = [];
      try {
        if (focused.name === NAME_OPTION) {
          const options = await commands.suggestModels(String(focused.value));
          choices = options
            .filter((o) => o.id.length <= MAX_CHOICE_CHARS)
            .map((o) => ({ name: clip(o.name === o.id ? o.id : `${o.name} (${o.id})`), value: o.id }));
        } else if (focused.name === EFFORT_OPTION) {
          const typed = String(focused.value).toLowerCase();
          const efforts = await commands.effortsOf(interaction.options.getString(NAME_OPTION) ?? undefined);
          choices = efforts.filter((e) => e.includes(typed)).map((e) => ({ name: e, value: e }));
        }
      } catch (error) {
        log.debug({ err: describeError(error) }, "No model suggestions");
      }
      await interaction.respond(choices.slice(0, MAX_CHOICES));
    },
  };

  const instructions: DiscordCommand = {
    data: {
      name: INSTRUCTIONS_COMMAND,
      description: "Show, set or clear this channel's own instructions for answers.",
      options: [
        // Discord's own cap (6,000) is above ours, so the bot can say what the limit is instead of a client error.
        { type: ApplicationCommandOptionType.String, name: SET_OPTION, description: "New instructions for answers here", maxLength: 6_000 },
        { type: ApplicationCommandOptionType.Boolean, name: CLEAR_OPTION, description: "Remove this channel's instructions" },
      ],
    },
    run: (interaction) =>
      answer(interaction, async () => {
        const text = interaction.options.getString(SET_OPTION);
        const clear = interaction.options.getBoolean(CLEAR_OPTION) ?? false;
        if (text !== null && clear) return "Use either `set` or `clear`, not both.";
        if (clear) return commands.clearInstructions(place(interaction));
        if (text !== null) return commands.setInstructions(place(interaction), text);
        return commands.showInstructions(place(interaction));
      }),
  };

  return [model, instructions];
}

const clip = (text: string) => (text.length > MAX_CHOICE_CHARS ? `${text.slice(0, MAX_CHOICE_CHARS - 1)}…` : text);

/** A long answer (many models) cut at a line, within Discord's content limit. */
function fitContent(text: string): string {
  if (text.length <= MAX_CONTENT) return text;
  const cut = text.slice(0, MAX_CONTENT - 2);
  const line = cut.lastIndexOf("\n");
  return `${line > 0 ? cut.slice(0, line) : cut}\n…`;
}
