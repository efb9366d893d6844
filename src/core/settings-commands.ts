/**
 * What the settings commands do, for every platform: `model [name] [effort]` and `instructions [set <text>|clear]`.
 * An adapter parses its own command shape, decides who may change a channel's settings (its platform's notion of
 * an admin) and says the sentence returned here to the person who asked, and to nobody else.
 */
import type { Logger } from "pino";
import type { ModelOption } from "../runtime/model-catalog.js";
import type { StateStore } from "../store/types.js";
import { describeError } from "./describe-error.js";
import {
  INSTRUCTIONS_MAX_CHARS,
  asInstructions,
  asModelChoice,
  firstSetting,
  type SettingsKeys,
  type StoredInstructions,
  type StoredModelChoice,
} from "./conversation-settings.js";

/** The models answers may use: the runtime's list, its default, and (BYOK) the one model that cannot change. */
export interface ModelCatalog {
  defaultModel: string;
  /** BYOK: the provider's single configured model; choosing is then not possible. */
  fixedModel?: string;
  list(): Promise<ModelOption[]>;
}

/** Where a command was used and by whom. */
export interface SettingsPlace {
  /** Read from, most specific first (a thread, then its channel). */
  keys: SettingsKeys;
  /** Where a change is written: the scope the command was used in. */
  writeKeys: { model: string; instructions: string };
  /** "this channel", "this thread": for sentences. */
  where: string;
  user: string;
  /** Whether `user` may change this place's settings (asked only for a change). */
  mayChange(): Promise<boolean>;
  /** The one sentence for someone who may not. */
  refusal: string;
}

/** Words that put a place back on the default model. */
const RESET_WORDS = new Set(["default", "reset"]);
/** Slack and Discord both cut long messages; a long model list is shortened with a count. */
const LISTED_MAX = 40;

export const MODELS_UNAVAILABLE = "I could not get the list of models from Copilot just now; please try again in a minute.";

export class SettingsCommands {
  constructor(
    private readonly deps: { store: StateStore; models?: ModelCatalog; logger: Logger },
  ) {}

  /** One sentence, when the model cannot be chosen at all (BYOK, or no catalogue). */
  get fixedModelSentence(): string | undefined {
    const { models } = this.deps;
    if (!models) return "Model choice is not available in this bot.";
    if (models.fixedModel) {
      return `This bot uses its own provider's single configured model (\`${models.fixedModel}\`), so the model cannot be changed here.`;
    }
    return undefined;
  }

  /** `model` without a name shows the choice and the models; with one, changes it (name "default" resets). */
  async model(place: SettingsPlace, name: string | undefined, effort: string | undefined): Promise<string> {
    const fixed = this.fixedModelSentence;
    if (fixed) return fixed;
    const models = this.deps.models!;
    if (!name) return this.showModel(place, models);
    if (!(await place.mayChange())) return place.refusal;
    if (RESET_WORDS.has(name.toLowerCase())) {
      await this.deps.store.delete(place.writeKeys.model);
      this.deps.logger.info({ user: place.user, key: place.writeKeys.model }, "Model choice reset to the default");
      return `From the next answer on, ${place.where} uses the default model (\`${models.defaultModel}\`) again.`;
    }
    const options = await this.options(models);
    if (!options) return MODELS_UNAVAILABLE;
    const option = options.find((o) => o.id.toLowerCase() === name.toLowerCase());
    if (!option) return `\`${clip(name)}\` is not a model this bot can use; choose one of ${listIds(options)}.`;
    if (effort !== undefined) {
      if (option.efforts.length === 0) return `\`${option.id}\` takes no reasoning effort; choose it without one.`;
      if (!option.efforts.includes(effort.toLowerCase())) {
        return `\`${option.id}\` takes a reasoning effort of ${orList(option.efforts)}, not \`${clip(effort)}\`.`;
      }
    }
    const choice: StoredModelChoice = {
      model: option.id,
      ...(effort ? { reasoningEffort: effort.toLowerCase() } : {}),
      setBy: place.user,
      at: Date.now(),
    };
    await this.deps.store.set(place.writeKeys.model, choice);
    this.deps.logger.info({ user: place.user, key: place.writeKeys.model, model: choice.model, effort: choice.reasoningEffort }, "Model chosen");
    return `From the next answer on, ${place.where} uses \`${option.id}\`${choice.reasoningEffort ? ` with ${choice.reasoningEffort} reasoning effort` : ""}.`;
  }

  /** Suggestions for a partly typed model name (Discord autocomplete): ids containing the text, first 25. */
  async suggestModels(typed: string): Promise<ModelOption[]> {
    const models = this.deps.models;
    if (!models || models.fixedModel) return [];
    const options = (await this.options(models)) ?? [];
    const needle = typed.trim().toLowerCase();
    return options.filter((o) => !needle || o.id.toLowerCase().includes(needle) || o.name.toLowerCase().includes(needle)).slice(0, 25);
  }

  /** The efforts `modelId` accepts (empty when unknown or none). */
  async effortsOf(modelId: string | undefined): Promise<string[]> {
    const models = this.deps.models;
    if (!models || models.fixedModel || !modelId) return [];
    const options = (await this.options(models)) ?? [];
    return options.find((o) => o.id.toLowerCase() === modelId.toLowerCase())?.efforts ?? [];
  }

  async showInstructions(place: SettingsPlace): Promise<string> {
    const found = await firstSetting(this.deps.store, place.keys.instructions, asInstructions);
    if (!found) return `${capital(place.where)} has no instructions of its own; answers follow the bot's defaults.`;
    return `Instructions for answers in ${place.where}:\n${found.value.text}`;
  }

  async setInstructions(place: SettingsPlace, text: string): Promise<string> {
    const trimmed = text.trim();
    if (!trimmed) return "Write the instructions after `set`, or use `clear` to remove them.";
    if (!(await place.mayChange())) return place.refusal;
    if (trimmed.length > INSTRUCTIONS_MAX_CHARS) {
      return `Those instructions are ${trimmed.length} characters long; the limit is ${INSTRUCTIONS_MAX_CHARS}, so please shorten them.`;
    }
    const stored: StoredInstructions = { text: trimmed, setBy: place.user, at: Date.now() };
    await this.deps.store.set(place.writeKeys.instructions, stored);
    this.deps.logger.info({ user: place.user, key: place.writeKeys.instructions, chars: trimmed.length }, "Channel instructions set");
    return `Saved: answers in ${place.where} follow these instructions from the next one on.`;
  }

  async clearInstructions(place: SettingsPlace): Promise<string> {
    if (!(await place.mayChange())) return place.refusal;
    await this.deps.store.delete(place.writeKeys.instructions);
    this.deps.logger.info({ user: place.user, key: place.writeKeys.instructions }, "Channel instructions cleared");
    return `Removed: answers in ${place.where} follow the bot's defaults again.`;
  }

  private async showModel(place: SettingsPlace, models: ModelCatalog): Promise<string> {
    const found = await firstSetting(this.deps.store, place.keys.model, asModelChoice);
    const current = found
      ? `${capital(place.where)} uses \`${found.value.model}\`${found.value.reasoningEffort ? ` with ${found.value.reasoningEffort} reasoning effort` : ""}${found.key === place.writeKeys.model ? "" : " (chosen for its channel)"}.`
      : `${capital(place.where)} uses the default model, \`${models.defaultModel}\`.`;
    const options = await this.options(models);
    if (!options) return `${current} ${MODELS_UNAVAILABLE}`;
    const lines = options.slice(0, LISTED_MAX).map((o) => `• \`${o.id}\`${o.efforts.length > 0 ? ` (reasoning effort: ${o.efforts.join(", ")})` : ""}`);
    if (options.length > LISTED_MAX) lines.push(`… and ${options.length - LISTED_MAX} more.`);
    return `${current}\nAvailable models:\n${lines.join("\n")}`;
  }

  private async options(models: ModelCatalog): Promise<ModelOption[] | undefined> {
    try {
      return await models.list();
    } catch (error) {
      this.deps.logger.warn({ err: describeError(error) }, "Could not list the Copilot models");
      return undefined;
    }
  }
}

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text).replace(/`/g, "'");
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function listIds(options: readonly ModelOption[]): string {
  const ids = options.slice(0, LISTED_MAX).map((o) => `\`${o.id}\``);
  return options.length > LISTED_MAX ? `${ids.join(", ")} and ${options.length - LISTED_MAX} more` : ids.join(", ");
}

function orList(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}
