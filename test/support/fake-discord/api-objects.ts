import {
  ChannelType,
  type FakeChannel,
  type FakeDiscordModel,
  type FakeGuild,
  type FakeMessage,
  type FakeUser,
} from "./model.js";

/** The model's records as Discord API v10 JSON objects (the fields discord.js reads). */

export function apiUser(user: FakeUser) {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    discriminator: "0",
    avatar: null,
    bot: user.bot,
  };
}

export function apiMember(model: FakeDiscordModel, guildId: string, userId: string) {
  const member = model.guilds.get(guildId)?.members.get(userId);
  if (!member) return undefined;
  return { nick: member.nick, roles: member.roles, joined_at: member.joinedAt, deaf: false, mute: false, flags: 0 };
}

export function apiChannel(channel: FakeChannel, model: FakeDiscordModel) {
  const last = channel.messages.at(-1);
  const base = {
    id: channel.id,
    type: channel.type,
    last_message_id: last?.id ?? null,
  };
  if (channel.type === ChannelType.DM) {
    return {
      ...base,
      recipients: channel.recipientIds
        .filter((id) => id !== model.botUser.id)
        .map((id) => apiUser(model.users.get(id)!)),
    };
  }
  if (channel.type === ChannelType.PublicThread) {
    return {
      ...base,
      guild_id: channel.guildId,
      parent_id: channel.parentId,
      owner_id: channel.ownerId,
      name: channel.name,
      message_count: channel.messages.length,
      member_count: 1,
      rate_limit_per_user: 0,
      flags: 0,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: new Date().toISOString(),
        locked: false,
      },
    };
  }
  return {
    ...base,
    guild_id: channel.guildId,
    name: channel.name,
    position: 0,
    permission_overwrites: [],
    nsfw: false,
    parent_id: null,
    rate_limit_per_user: 0,
  };
}

/** The full guild a GUILD_CREATE carries: roles, members, channels and active threads. */
export function apiGuildCreate(guild: FakeGuild, model: FakeDiscordModel) {
  const channels: object[] = [];
  const threads: object[] = [];
  for (const channel of model.channels.values()) {
    if (channel.guildId !== guild.id) continue;
    (channel.type === ChannelType.PublicThread ? threads : channels).push(apiChannel(channel, model));
  }
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: guild.ownerId,
    unavailable: false,
    large: false,
    member_count: guild.members.size,
    joined_at: new Date().toISOString(),
    features: [],
    roles: [...guild.roles.values()].map((role) => ({
      id: role.id,
      name: role.name,
      color: 0,
      hoist: false,
      position: role.id === guild.id ? 0 : 1,
      permissions: "0",
      managed: role.botId !== undefined,
      mentionable: true,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    })),
    members: [...guild.members.values()].map((member) => ({
      ...apiMember(model, guild.id, member.userId),
      user: apiUser(model.users.get(member.userId)!),
    })),
    channels,
    threads,
    emojis: [],
    stickers: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/**
 * A message object. `member` (the author's, and each mentioned user's) is only in gateway events, as on Discord:
 * REST answers carry the bare users.
 */
export function apiMessage(message: FakeMessage, model: FakeDiscordModel, baseUrl: string, withMember = false) {
  const author = model.users.get(message.authorId)!;
  const reference = message.reference;
  const referenced = reference ? model.messages.get(reference.messageId) : undefined;
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
    ...(message.guildId && withMember ? { member: apiMember(model, message.guildId, message.authorId) } : {}),
    author: apiUser(author),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
    tts: false,
    mention_everyone: message.mentionEveryone,
    mentions: message.mentionIds.flatMap((id) => {
      const user = model.users.get(id);
      if (!user) return [];
      const member = message.guildId && withMember ? apiMember(model, message.guildId, id) : undefined;
      return [{ ...apiUser(user), ...(member ? { member } : {}) }];
    }),
    mention_roles: message.mentionRoleIds,
    attachments: message.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      size: a.data.length,
      content_type: a.contentType,
      url: `${baseUrl}/attachments/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
      proxy_url: `${baseUrl}/attachments/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
    })),
    embeds: message.embeds,
    reactions: [],
    pinned: false,
    type: message.type,
    flags: message.flags,
    components: message.components,
    ...(message.interaction
      ? {
          webhook_id: model.applicationId,
          application_id: model.applicationId,
          interaction_metadata: {
            id: message.interaction.id,
            type: message.interaction.type,
            user: apiUser(model.users.get(message.interaction.userId)!),
            authorizing_integration_owners: {},
          },
          interaction: {
            id: message.interaction.id,
            type: message.interaction.type,
            name: message.interaction.name,
            user: apiUser(model.users.get(message.interaction.userId)!),
          },
        }
      : {}),
    ...(reference
      ? {
          message_reference: {
            type: 0,
            channel_id: reference.channelId,
            message_id: reference.messageId,
            guild_id: message.guildId ?? undefined,
          },
          // Discord includes the replied-to message one level deep.
          referenced_message: referenced && message.type === 19 ? apiMessageShallow(referenced, model, baseUrl) : null,
        }
      : {}),
    ...(message.threadId ? { thread: apiChannel(model.channels.get(message.threadId)!, model) } : {}),
    ...(model.channels.get(message.channelId)?.type === ChannelType.PublicThread ? { position: 0 } : {}),
  };
}

function apiMessageShallow(message: FakeMessage, model: FakeDiscordModel, baseUrl: string) {
  const {
    message_reference: _ref,
    referenced_message: _referenced,
    ...rest
  } = apiMessage({ ...message, reference: null }, model, baseUrl) as Record<string, unknown>;
  return {
    ...rest,
    ...(message.reference
      ? {
          message_reference: {
            type: 0,
            channel_id: message.reference.channelId,
            message_id: message.reference.messageId,
          },
        }
      : {}),
  };
}
