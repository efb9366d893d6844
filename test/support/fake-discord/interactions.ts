import { apiChannel, apiMember, apiMessage, apiUser } from "./api-objects.js";
import type { FakeCommands } from "./commands.js";
import { readMessageBody } from "./message-body.js";
import { ChannelType, FakeDiscordError, type FakeDiscordModel, type FakeMessage } from "./model.js";
import type { ChannelRateLimiter } from "./rate-limit.js";

/**
 * Interactions as Discord documents them (discord.com/developers/docs/interactions/receiving-and-responding):
 * an INTERACTION_CREATE on the gateway; one response within 3 s at `POST /interactions/{id}/{token}/callback`
 * (4 message, 5 deferred message, 6 deferred update and 7 update for a component, 8 autocomplete choices);
 * then, for as long as the token lives (15 minutes), `/webhooks/{application_id}/{token}/messages/@original`
 * (GET, PATCH, DELETE) and follow-ups `POST /webhooks/{application_id}/{token}`. Errors are Discord's: 10062 Unknown
 * interaction (late or unknown), 40060 already acknowledged, 50027 Invalid Webhook Token (expired), 10015 Unknown
 * Webhook. These endpoints take no bot token and are not bound by the global limit.
 */
export const InteractionType = { ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4 } as const;
export const CallbackType = {
  Message: 4,
  DeferredMessage: 5,
  DeferredUpdate: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
} as const;
const LOADING = 1 << 7;
/** Only the user who interacted sees the reply (Discord's EPHEMERAL message flag). */
export const EPHEMERAL = 1 << 6;
const ALLOWED: Record<number, number[]> = {
  [InteractionType.ApplicationCommand]: [CallbackType.Message, CallbackType.DeferredMessage],
  [InteractionType.MessageComponent]: [
    CallbackType.Message,
    CallbackType.DeferredMessage,
    CallbackType.DeferredUpdate,
    CallbackType.UpdateMessage,
  ],
  [InteractionType.Autocomplete]: [CallbackType.AutocompleteResult],
};

export interface FakeInteraction {
  id: string;
  token: string;
  type: number;
  name: string;
  channelId: string;
  guildId: string | null;
  userId: string;
  createdAt: number;
  /** The message a component sits on. */
  messageId: string | null;
  /** The callback type answered, once answered. */
  response: { type: number; at: number } | null;
  /** The interaction's own reply (types 4/5), or the component's message (6/7). */
  originalMessageId: string | null;
  followUpIds: string[];
  /** Autocomplete: the choices answered. */
  choices: unknown[] | null;
  /** Replies only the user saw (ephemeral: a type 4 or 5 with flag 1<<6, or such a follow-up), oldest first. */
  ephemeral: FakeMessage[];
}

export interface InteractionTimes {
  /** Discord: 3 s to answer the callback. */
  responseDeadlineMs: number;
  /** Discord: the token lasts 15 minutes; tests shorten it. */
  tokenLifetimeMs: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
type Json = Record<string, unknown>;

export class FakeInteractions {
  readonly byId = new Map<string, FakeInteraction>();
  private readonly byToken = new Map<string, FakeInteraction>();
  private tokenCounter = 0;

  constructor(
    private readonly model: FakeDiscordModel,
    private readonly commands: FakeCommands,
    private readonly limiter: ChannelRateLimiter,
    readonly times: InteractionTimes,
    private readonly maxContentLength: number,
  ) {}

  /** A new interaction and the INTERACTION_CREATE payload that announces it. */
  create(input: {
    type: number;
    channelId: string;
    userId: string;
    data: Json;
    name?: string;
    message?: FakeMessage;
  }): { interaction: FakeInteraction; payload: Json } {
    const channel = this.model.requireChannel(input.channelId);
    const id = this.model.ids.next();
    // Real tokens are long base64url strings: nothing a URL would need to escape.
    const token = `aW50ZXJhY3Rpb246${id}${++this.tokenCounter}x${Math.random().toString(36).slice(2)}`;
    const interaction: FakeInteraction = {
      id,
      token,
      type: input.type,
      name: input.name ?? String(input.data.name ?? input.data.custom_id ?? ""),
      channelId: channel.id,
      guildId: channel.guildId,
      userId: input.userId,
      createdAt: Date.now(),
      messageId: input.message?.id ?? null,
      response: null,
      originalMessageId: null,
      followUpIds: [],
      choices: null,
      ephemeral: [],
    };
    this.byId.set(id, interaction);
    this.byToken.set(token, interaction);
    const user = this.model.users.get(input.userId);
    if (!user) throw new Error(`fake Discord: no user ${input.userId}`);
    const member = channel.guildId ? apiMember(this.model, channel.guildId, user.id) : undefined;
    const payload: Json = {
      id,
      application_id: this.model.applicationId,
      type: input.type,
      token,
      version: 1,
      channel_id: channel.id,
      channel: apiChannel(channel, this.model),
      ...(channel.guildId
        ? {
            guild_id: channel.guildId,
            guild: { id: channel.guildId, locale: "en-US", features: [] },
            guild_locale: "en-US",
            member: {
              ...member,
              user: apiUser(user),
              permissions: String(this.model.memberPermissions(channel.guildId, user.id)),
            },
            authorizing_integration_owners: { "0": channel.guildId },
            context: 0,
          }
        : {
            user: apiUser(user),
            authorizing_integration_owners: { "1": user.id },
            context: channel.type === ChannelType.DM ? 1 : 2,
          }),
      app_permissions: String((1n << 50n) - 1n),
      locale: "en-US",
      entitlements: [],
      attachment_size_limit: 10_485_760,
      data: input.data,
      ...(input.message ? { message: apiMessage(input.message, this.model, "") } : {}),
    };
    return { interaction, payload };
  }

  /** The data of a chat-input command as Discord sends it (`/name option:value`). */
  commandData(name: string, options: Record<string, string | boolean>, guildId: string | null, focused?: string): Json {
    const command = this.commands.find(name, guildId);
    return {
      id: command?.id ?? this.model.ids.next(),
      name,
      type: 1,
      ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
      options: Object.entries(options).map(([key, value]) => ({
        name: key,
        // String (3) or Boolean (5), as the option's value is.
        type: typeof value === "boolean" ? 5 : 3,
        value,
        ...(focused === key ? { focused: true } : {}),
      })),
    };
  }

  /** Handles `/interactions/...` and `/webhooks/...`; null for any other path. */
  route(method: string, parts: string[], query: URLSearchParams, body: Json): Reply | null {
    if (parts[0] === "interactions" && parts.length === 4 && parts[3] === "callback" && method === "POST") {
      return this.callback(parts[1]!, parts[2]!, query, body);
    }
    if (parts[0] !== "webhooks" || parts.length < 3) return null;
    const [, appId, token, p3, p4] = parts;
    const interaction = this.byToken.get(token!);
    if (!interaction || appId !== this.model.applicationId) throw new FakeDiscordError(404, 10015, "Unknown Webhook");
    if (Date.now() - interaction.createdAt >= this.times.tokenLifetimeMs)
      throw new FakeDiscordError(401, 50027, "Invalid Webhook Token");
    if (!interaction.response) throw new FakeDiscordError(404, 10015, "Unknown Webhook");

    if (parts.length === 3 && method === "POST")
      return this.withBucket(interaction, () => this.followUp(interaction, body));
    if (p3 !== "messages" || !p4 || parts.length !== 5) throw new FakeDiscordError(404, 0, "404: Not Found");
    const messageId = p4 === "@original" ? interaction.originalMessageId : p4;
    const message = messageId ? this.model.messages.get(messageId) : undefined;
    if (!message || message.deleted || (p4 !== "@original" && !interaction.followUpIds.includes(message.id))) {
      throw new FakeDiscordError(404, 10008, "Unknown Message");
    }
    if (method === "GET") return { status: 200, body: apiMessage(message, this.model, "") };
    if (method === "DELETE") {
      this.model.deleteMessage(message.channelId, message.id);
      return { status: 204 };
    }
    if (method === "PATCH") {
      return this.withBucket(interaction, () => {
        const edit = readMessageBody(body, {
          maxContentLength: this.maxContentLength,
          partial: true,
          currentFlags: message.flags,
        });
        // The first edit of a deferred reply ends its "is thinking" state.
        const flags = (edit.flags ?? message.flags) & ~LOADING;
        const edited = this.model.editMessage(message.channelId, message.id, { ...edit, flags });
        return { status: 200, body: apiMessage(edited, this.model, "") };
      });
    }
    throw new FakeDiscordError(405, 0, "405: Method Not Allowed");
  }

  private callback(id: string, token: string, query: URLSearchParams, body: Json): Reply {
    const interaction = this.byId.get(id);
    if (!interaction || interaction.token !== token) throw new FakeDiscordError(404, 10062, "Unknown interaction");
    if (interaction.response) throw new FakeDiscordError(400, 40060, "Interaction has already been acknowledged.");
    if (Date.now() - interaction.createdAt > this.times.responseDeadlineMs)
      throw new FakeDiscordError(404, 10062, "Unknown interaction");
    const type = Number(body.type);
    if (!ALLOWED[interaction.type]?.includes(type)) {
      throw new FakeDiscordError(400, 50035, "Invalid Form Body", {
        type: {
          _errors: [{ code: "INTERACTION_RESPONSE_TYPE_INVALID", message: "Invalid interaction response type" }],
        },
      });
    }
    const data = (body.data ?? {}) as Json;
    let message: FakeMessage | undefined;
    switch (type) {
      case CallbackType.Message:
        message = this.post(
          interaction,
          readMessageBody(data, { maxContentLength: this.maxContentLength, partial: false }),
        );
        interaction.originalMessageId = message.id;
        break;
      case CallbackType.DeferredMessage:
        message = this.post(interaction, { content: "", flags: LOADING | (Number(data.flags ?? 0) & EPHEMERAL) });
        interaction.originalMessageId = message.id;
        break;
      case CallbackType.DeferredUpdate:
        interaction.originalMessageId = interaction.messageId;
        break;
      case CallbackType.UpdateMessage: {
        const target = this.model.messages.get(interaction.messageId ?? "");
        if (!target) throw new FakeDiscordError(404, 10008, "Unknown Message");
        const edit = readMessageBody(data, {
          maxContentLength: this.maxContentLength,
          partial: true,
          currentFlags: target.flags,
        });
        message = this.model.editMessage(target.channelId, target.id, edit);
        interaction.originalMessageId = target.id;
        break;
      }
      case CallbackType.AutocompleteResult: {
        const choices = Array.isArray(data.choices) ? data.choices : [];
        if (choices.length > 25)
          throw new FakeDiscordError(400, 50035, "Invalid Form Body", {
            choices: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 25 or fewer in length." }] },
          });
        // Each choice: a name of 1 to 100 characters and a string value of at most 100 (Discord's limits).
        for (const [i, choice] of choices.entries()) {
          const { name, value } = (choice ?? {}) as { name?: unknown; value?: unknown };
          const nameOk = typeof name === "string" && name.length >= 1 && name.length <= 100;
          const valueOk = typeof value === "number" || (typeof value === "string" && value.length <= 100);
          if (!nameOk || !valueOk)
            throw new FakeDiscordError(400, 50035, "Invalid Form Body", {
              choices: {
                [i]: {
                  [nameOk ? "value" : "name"]: {
                    _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." }],
                  },
                },
              },
            });
        }
        interaction.choices = choices;
        break;
      }
    }
    interaction.response = { type, at: Date.now() };
    if (query.get("with_response") !== "true") return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          response_message_id: interaction.originalMessageId,
          response_message_loading: type === CallbackType.DeferredMessage,
          response_message_ephemeral: message?.ephemeralTo != null,
        },
        resource: { type, ...(message ? { message: apiMessage(message, this.model, "") } : {}) },
      },
    };
  }

  private followUp(interaction: FakeInteraction, body: Json): Reply {
    const message = this.post(
      interaction,
      readMessageBody(body, { maxContentLength: this.maxContentLength, partial: false }),
    );
    interaction.followUpIds.push(message.id);
    return { status: 200, body: apiMessage(message, this.model, "") };
  }

  private post(
    interaction: FakeInteraction,
    edit: { content?: string; embeds?: unknown[]; components?: unknown[]; flags?: number },
  ): FakeMessage {
    const ephemeral = ((edit.flags ?? 0) & EPHEMERAL) !== 0;
    const message = this.model.postMessage({
      channelId: interaction.channelId,
      authorId: this.model.botUser.id,
      content: edit.content ?? "",
      embeds: edit.embeds,
      components: edit.components,
      flags: edit.flags,
      interaction: { id: interaction.id, type: interaction.type, name: interaction.name, userId: interaction.userId },
      ...(ephemeral ? { ephemeralTo: interaction.userId } : {}),
    });
    if (ephemeral) interaction.ephemeral.push(message);
    return message;
  }

  /** Interaction webhooks have their own bucket per token (reported in the same headers as other routes). */
  private withBucket(interaction: FakeInteraction, run: () => Reply): Reply {
    const answer = this.limiter.take(`webhook:${interaction.token}`);
    const headers = this.limiter.headers(answer.state, "fake-interaction-webhook");
    if (!answer.allowed) {
      const retryAfter = answer.retryAfterMs / 1000;
      return {
        status: 429,
        headers: { ...headers, "retry-after": retryAfter.toFixed(3), "x-ratelimit-scope": "user" },
        body: { message: "You are being rate limited.", retry_after: retryAfter, global: false },
      };
    }
    const reply = run();
    return { ...reply, headers: { ...headers, ...reply.headers } };
  }
}
