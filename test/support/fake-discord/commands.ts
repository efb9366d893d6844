import { FakeDiscordError, type FakeDiscordModel } from "./model.js";

/**
 * Application command registration as Discord documents it (discord.com/developers/docs/interactions/
 * application-commands): `PUT /applications/{id}/commands` (global) and `PUT .../guilds/{guild}/commands` replace
 * the whole list (bulk overwrite) and answer the stored commands; GET lists them. A command keeps its id when a
 * command of the same name and type is overwritten. Names are 1-32 lowercase characters, descriptions 1-100,
 * up to 25 options, up to 100 chat-input commands per scope.
 */
export interface StoredCommand {
  id: string;
  application_id: string;
  guild_id?: string;
  version: string;
  type: number;
  name: string;
  description: string;
  options: unknown[];
  default_member_permissions: string | null;
  nsfw: boolean;
}

const NAME = /^[-_\p{Ll}\p{Lm}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
type Json = Record<string, unknown>;

function invalid(index: number, field: string, message: string): FakeDiscordError {
  return new FakeDiscordError(400, 50035, "Invalid Form Body", {
    [index]: { [field]: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message }] } },
  });
}

export class FakeCommands {
  /** Key: "global" or a guild id. */
  private readonly scopes = new Map<string, StoredCommand[]>();
  /** Every successful overwrite, oldest first, for tests ("registered once, not again when unchanged"). */
  readonly overwrites: { scope: string; at: number; names: string[] }[] = [];

  constructor(private readonly model: FakeDiscordModel) {}

  list(scope: string): StoredCommand[] {
    return this.scopes.get(scope) ?? [];
  }

  /** The command a user's `/name` resolves to: the guild's, else the global one. */
  find(name: string, guildId: string | null): StoredCommand | undefined {
    return (
      (guildId ? this.list(guildId).find((c) => c.name === name) : undefined) ??
      this.list("global").find((c) => c.name === name)
    );
  }

  overwrite(scope: string, body: unknown): StoredCommand[] {
    if (!Array.isArray(body)) throw new FakeDiscordError(400, 50035, "Invalid Form Body");
    if (scope !== "global" && !this.model.guilds.get(scope)?.members.has(this.model.botUser.id)) {
      throw new FakeDiscordError(403, 50001, "Missing Access");
    }
    const previous = this.list(scope);
    const seen = new Set<string>();
    const stored = (body as Json[]).map((input, index) => {
      const type = typeof input.type === "number" ? input.type : 1;
      const name = typeof input.name === "string" ? input.name : "";
      const description = typeof input.description === "string" ? input.description : "";
      if (!NAME.test(name) || (type === 1 && name !== name.toLowerCase()))
        throw invalid(index, "name", "Command name is invalid");
      if (type === 1 && (description.length < 1 || description.length > 100))
        throw invalid(index, "description", "Must be between 1 and 100 in length.");
      const options = Array.isArray(input.options) ? (input.options as Json[]) : [];
      if (options.length > 25) throw invalid(index, "options", "Must be 25 or fewer in length.");
      options.forEach((option, i) => {
        if (typeof option.name !== "string" || !NAME.test(option.name))
          throw invalid(index, `options.${i}.name`, "Option name is invalid");
        const text = typeof option.description === "string" ? option.description : "";
        if (text.length < 1 || text.length > 100)
          throw invalid(index, `options.${i}.description`, "Must be between 1 and 100 in length.");
      });
      const key = `${type}:${name}`;
      if (seen.has(key))
        throw new FakeDiscordError(400, 50035, "Invalid Form Body", {
          _errors: [
            {
              code: "APPLICATION_COMMANDS_DUPLICATE_NAME",
              message: `Application command names must be unique: ${name}`,
            },
          ],
        });
      seen.add(key);
      const kept = previous.find((c) => c.type === type && c.name === name);
      const command: StoredCommand = {
        id: kept?.id ?? this.model.ids.next(),
        application_id: this.model.applicationId,
        ...(scope === "global" ? {} : { guild_id: scope }),
        version: this.model.ids.next(),
        type,
        name,
        description,
        options,
        default_member_permissions:
          typeof input.default_member_permissions === "string" ? input.default_member_permissions : null,
        nsfw: input.nsfw === true,
      };
      return command;
    });
    if (stored.filter((c) => c.type === 1).length > 100)
      throw new FakeDiscordError(400, 30032, "Maximum number of application commands reached (100)");
    this.scopes.set(scope, stored);
    this.overwrites.push({ scope, at: Date.now(), names: stored.map((c) => c.name) });
    return stored;
  }
}
