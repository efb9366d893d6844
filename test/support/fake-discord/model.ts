import { EventEmitter } from "node:events";
import { SnowflakeGenerator } from "./snowflake.js";

/**
 * An in-memory Discord: users, guilds with roles and members, text channels, threads, DMs and messages.
 * Lookups are by Map; a channel's messages are kept in id order (ids grow with time), so paging is a binary search.
 * It knows nothing about HTTP or the gateway: `rest.ts` and `gateway.ts` read and change it.
 */

export const ChannelType = { GuildText: 0, DM: 1, PublicThread: 11 } as const;
export const MessageType = { Default: 0, Reply: 19, ThreadStarterMessage: 21 } as const;

export interface FakeUser {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
  /** Set on the role Discord manages for a bot (its `tags.bot_id`). */
  botId?: string;
  /** The role's permission bits (Discord sends them as a decimal string). */
  permissions: bigint;
}

/** The permission bits the fake computes for interactions (Discord's values). */
export const Permission = { Administrator: 1n << 3n, ManageMessages: 1n << 13n } as const;
const ALL_PERMISSIONS = (1n << 50n) - 1n;

export interface FakeMember {
  userId: string;
  nick: string | null;
  roles: string[];
  joinedAt: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, FakeRole>;
  members: Map<string, FakeMember>;
}

export interface FakeChannel {
  id: string;
  type: number;
  name: string;
  guildId: string | null;
  /** Threads: the text channel they belong to. */
  parentId: string | null;
  /** Threads: who started it. */
  ownerId: string | null;
  /** DMs: the two users. */
  recipientIds: string[];
  /** Oldest first; ids grow, so this is also id order. */
  messages: FakeMessage[];
}

export interface FakeAttachment {
  id: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  content: string;
  type: number;
  attachments: FakeAttachment[];
  mentionIds: string[];
  mentionRoleIds: string[];
  mentionEveryone: boolean;
  /** The message this one replies to (same channel), or the starter message of a thread. */
  reference: { channelId: string; messageId: string } | null;
  createdAt: number;
  editedAt: number | null;
  /** Every content the message had, oldest first: what a user watching the channel saw, in order. */
  contents: string[];
  /** Set when a thread was started from this message. */
  threadId: string | null;
  /** Embeds and message components as last sent (JSON as Discord takes them). */
  embeds: unknown[];
  components: unknown[];
  /** Message flags (e.g. 128 LOADING on a deferred interaction reply, 1<<15 IS_COMPONENTS_V2). */
  flags: number;
  /** Set on an interaction's reply and its follow-ups: the interaction that made it. */
  interaction: { id: string; type: number; name: string; userId: string } | null;
  /** Deleted messages stay in `messages` (tests may look at what was shown) but leave their channel. */
  deleted: boolean;
  /**
   * An ephemeral interaction reply (flag 1<<6): only this user sees it. It is in no channel's history and on no
   * gateway event; the interaction's webhook still reaches it.
   */
  ephemeralTo: string | null;
}

/** Message flag 64: only the person an interaction answered sees the message. */
const EPHEMERAL = 1 << 6;

export interface NewMessage {
  channelId: string;
  authorId: string;
  content: string;
  attachments?: Omit<FakeAttachment, "id">[];
  replyTo?: string;
  type?: number;
  embeds?: unknown[];
  components?: unknown[];
  flags?: number;
  interaction?: FakeMessage["interaction"];
  ephemeralTo?: string;
}

/** What a bot's edit changes: content and, when given, embeds, components and flags. */
export interface MessageEdit {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  flags?: number;
}

export type ModelEvent =
  | { kind: "message_create"; message: FakeMessage }
  | { kind: "message_update"; message: FakeMessage }
  | { kind: "message_delete"; message: FakeMessage }
  | { kind: "guild_create"; guild: FakeGuild }
  | { kind: "channel_create"; channel: FakeChannel }
  | { kind: "thread_create"; channel: FakeChannel }
  | { kind: "reaction_add"; message: FakeMessage; userId: string; emoji: string }
  | { kind: "typing"; channelId: string; userId: string; at: number };

/** How long Discord shows "is typing" after one typing call. */
export const TYPING_LIFETIME_MS = 10_000;

const USER_MENTION = /<@!?(\d{17,20})>/g;
const ROLE_MENTION = /<@&(\d{17,20})>/g;

export class FakeDiscordModel extends EventEmitter<{ change: [ModelEvent] }> {
  readonly ids = new SnowflakeGenerator();
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages = new Map<string, FakeMessage>();
  readonly attachments = new Map<string, FakeAttachment>();
  /**
   * Channels where a permission overwrite denies the bot Attach Files: a message with files is refused there
   * (403, 50013 Missing Permissions), one without goes through.
   */
  readonly attachFilesDenied = new Set<string>();
  /** Every typing indicator the bot started, oldest first. */
  readonly typingLog: { channelId: string; at: number }[] = [];
  /** The bot's DM channel with each user. */
  private readonly dms = new Map<string, FakeChannel>();
  readonly applicationId: string;
  readonly botUser: FakeUser;

  constructor(bot: { username?: string } = {}) {
    super();
    this.setMaxListeners(0);
    this.botUser = this.createUser({ username: bot.username ?? "threadpilot", bot: true });
    this.applicationId = this.botUser.id;
  }

  createUser(input: { username: string; globalName?: string; bot?: boolean }): FakeUser {
    const user: FakeUser = {
      id: this.ids.next(),
      username: input.username,
      globalName: input.globalName ?? null,
      bot: input.bot ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** A guild the bot is in, with the bot's managed role (as Discord creates on invite) and an @everyone role. */
  createGuild(input: { name: string; ownerId?: string }): FakeGuild {
    const id = this.ids.next();
    const guild: FakeGuild = {
      id,
      name: input.name,
      ownerId: input.ownerId ?? this.botUser.id,
      roles: new Map(),
      members: new Map(),
    };
    guild.roles.set(id, { id, name: "@everyone", permissions: 0n });
    const botRole: FakeRole = {
      id: this.ids.next(),
      name: this.botUser.username,
      botId: this.botUser.id,
      permissions: 0n,
    };
    guild.roles.set(botRole.id, botRole);
    this.guilds.set(id, guild);
    this.addMember(id, this.botUser.id, { roles: [botRole.id] });
    this.emit("change", { kind: "guild_create", guild });
    return guild;
  }

  /** A plain role in a guild (sent to clients in GUILD_CREATE: create it before the bot connects). */
  createRole(guildId: string, name: string, permissions = 0n): FakeRole {
    const role: FakeRole = { id: this.ids.next(), name, permissions };
    this.requireGuild(guildId).roles.set(role.id, role);
    return role;
  }

  botRoleOf(guildId: string): FakeRole {
    const guild = this.requireGuild(guildId);
    for (const role of guild.roles.values()) if (role.botId === this.botUser.id) return role;
    throw new Error(`guild ${guildId} has no bot role`);
  }

  addMember(guildId: string, userId: string, input: { nick?: string; roles?: string[] } = {}): FakeMember {
    const member: FakeMember = {
      userId,
      nick: input.nick ?? null,
      roles: input.roles ?? [],
      joinedAt: new Date().toISOString(),
    };
    this.requireGuild(guildId).members.set(userId, member);
    return member;
  }

  /** A member's guild-wide permissions: @everyone's, their roles', everything for the owner or an Administrator. */
  memberPermissions(guildId: string, userId: string): bigint {
    const guild = this.requireGuild(guildId);
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    let bits = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of guild.members.get(userId)?.roles ?? []) bits |= guild.roles.get(roleId)?.permissions ?? 0n;
    return bits & Permission.Administrator ? ALL_PERMISSIONS : bits;
  }

  /** The bot started typing in a channel (POST /channels/{id}/typing). */
  startTyping(channelId: string): void {
    const at = Date.now();
    this.typingLog.push({ channelId, at });
    this.emit("change", { kind: "typing", channelId, userId: this.botUser.id, at });
  }

  /**
   * Whether the bot shows as typing in a channel at `now`: Discord shows it for 10 s after the last typing call,
   * or until the bot's next message in that channel.
   */
  botIsTyping(channelId: string, now = Date.now()): boolean {
    const last = this.typingLog.findLast((t) => t.channelId === channelId);
    if (!last || now - last.at >= TYPING_LIFETIME_MS) return false;
    const lastMessage = this.channels.get(channelId)?.messages.findLast((m) => m.authorId === this.botUser.id);
    return !lastMessage || lastMessage.createdAt < last.at;
  }

  createTextChannel(guildId: string, name: string): FakeChannel {
    this.requireGuild(guildId);
    const channel = this.addChannel({ type: ChannelType.GuildText, name, guildId });
    this.emit("change", { kind: "channel_create", channel });
    return channel;
  }

  /** A thread in `parentId`; started from `fromMessageId` it takes that message's id, as on Discord. */
  createThread(input: { parentId: string; name: string; ownerId: string; fromMessageId?: string }): FakeChannel {
    const parent = this.requireChannel(input.parentId);
    if (parent.type !== ChannelType.GuildText)
      throw new FakeDiscordError(400, 50024, "Cannot execute action on this channel type");
    let id: string | undefined;
    if (input.fromMessageId) {
      const starter = this.requireMessage(input.parentId, input.fromMessageId);
      if (starter.threadId)
        throw new FakeDiscordError(400, 160004, "A thread has already been created for this message");
      id = starter.id;
    }
    const channel = this.addChannel({
      id,
      type: ChannelType.PublicThread,
      name: input.name,
      guildId: parent.guildId,
      parentId: parent.id,
      ownerId: input.ownerId,
    });
    if (input.fromMessageId) {
      const starter = this.messages.get(input.fromMessageId)!;
      starter.threadId = channel.id;
      // Discord puts a system message at the top of a thread started from a message, pointing at it.
      this.postMessage({
        channelId: channel.id,
        authorId: input.ownerId,
        content: "",
        type: MessageType.ThreadStarterMessage,
        replyTo: starter.id,
      });
    }
    this.emit("change", { kind: "thread_create", channel });
    return channel;
  }

  /** The DM channel between the bot and `userId` (created once). */
  dmChannel(userId: string): FakeChannel {
    let channel = this.dms.get(userId);
    if (!channel) {
      channel = this.addChannel({ type: ChannelType.DM, name: "", recipientIds: [this.botUser.id, userId] });
      this.dms.set(userId, channel);
    }
    return channel;
  }

  postMessage(input: NewMessage): FakeMessage {
    const channel = this.requireChannel(input.channelId);
    const now = Date.now();
    const id = this.ids.next(now);
    let reference: FakeMessage["reference"] = null;
    if (input.replyTo) {
      const target = this.messages.get(input.replyTo);
      if (!target || target.deleted) throw new FakeDiscordError(400, 50035, "Invalid Form Body: Unknown message");
      reference = { channelId: target.channelId, messageId: target.id };
    }
    const attachments = (input.attachments ?? []).map((a) => ({ ...a, id: this.ids.next(now) }));
    for (const attachment of attachments) this.attachments.set(attachment.id, attachment);
    const message: FakeMessage = {
      id,
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: input.authorId,
      content: input.content,
      type: input.type ?? (reference ? MessageType.Reply : MessageType.Default),
      attachments,
      mentionIds: [...input.content.matchAll(USER_MENTION)].map((m) => m[1]!),
      mentionRoleIds: [...input.content.matchAll(ROLE_MENTION)].map((m) => m[1]!),
      mentionEveryone: /@everyone|@here/.test(input.content),
      reference,
      createdAt: now,
      editedAt: null,
      contents: [input.content],
      threadId: null,
      embeds: input.embeds ?? [],
      components: input.components ?? [],
      flags: input.flags ?? 0,
      interaction: input.interaction ?? null,
      deleted: false,
      ephemeralTo: input.ephemeralTo ?? null,
    };
    this.messages.set(id, message);
    if (message.ephemeralTo !== null) return message;
    channel.messages.push(message);
    this.emit("change", { kind: "message_create", message });
    return message;
  }

  /** `userId` reacts to a message with a Unicode emoji (the fake keeps no reaction list, it only tells the gateway). */
  addReaction(input: { channelId: string; messageId: string; userId: string; emoji: string }): void {
    const message = this.requireMessage(input.channelId, input.messageId);
    this.emit("change", { kind: "reaction_add", message, userId: input.userId, emoji: input.emoji });
  }

  editMessage(channelId: string, messageId: string, edit: string | MessageEdit): FakeMessage {
    const message = this.requireMessage(channelId, messageId);
    const change = typeof edit === "string" ? { content: edit } : edit;
    if (change.embeds !== undefined) message.embeds = change.embeds;
    if (change.components !== undefined) message.components = change.components;
    if (change.flags !== undefined) message.flags = change.flags;
    const content = change.content ?? message.content;
    message.content = content;
    message.contents.push(content);
    message.editedAt = Date.now();
    if (message.ephemeralTo === null) this.emit("change", { kind: "message_update", message });
    return message;
  }

  deleteMessage(channelId: string, messageId: string): void {
    const message = this.requireMessage(channelId, messageId);
    message.deleted = true;
    if (message.ephemeralTo !== null) return;
    const list = this.requireChannel(channelId).messages;
    list.splice(lowerBound(list, messageId), 1);
    this.emit("change", { kind: "message_delete", message });
  }

  /** Up to `limit` messages before `before` (or the newest), newest first, as the API pages them. */
  pageMessages(channelId: string, options: { limit: number; before?: string; after?: string }): FakeMessage[] {
    // An ephemeral message (flag 64) is seen only by the person it answered: it is not in the channel's history.
    const list = this.requireChannel(channelId).messages.filter((m) => (m.flags & EPHEMERAL) === 0);
    if (options.after !== undefined) {
      const start = upperBound(list, options.after);
      return list.slice(start, start + options.limit).reverse();
    }
    const end = options.before === undefined ? list.length : lowerBound(list, options.before);
    return list.slice(Math.max(0, end - options.limit), end).reverse();
  }

  requireGuild(id: string): FakeGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw new FakeDiscordError(404, 10004, "Unknown Guild");
    return guild;
  }

  requireChannel(id: string): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel) throw new FakeDiscordError(404, 10003, "Unknown Channel");
    return channel;
  }

  requireMessage(channelId: string, messageId: string): FakeMessage {
    const message = this.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId)
      throw new FakeDiscordError(404, 10008, "Unknown Message");
    return message;
  }

  displayName(userId: string, guildId: string | null): string {
    const user = this.users.get(userId);
    const nick = guildId ? this.guilds.get(guildId)?.members.get(userId)?.nick : null;
    return nick ?? user?.globalName ?? user?.username ?? "";
  }

  private addChannel(input: Partial<FakeChannel> & { type: number; name: string }): FakeChannel {
    const channel: FakeChannel = {
      id: input.id ?? this.ids.next(),
      type: input.type,
      name: input.name,
      guildId: input.guildId ?? null,
      parentId: input.parentId ?? null,
      ownerId: input.ownerId ?? null,
      recipientIds: input.recipientIds ?? [],
      messages: [],
    };
    this.channels.set(channel.id, channel);
    return channel;
  }
}

/** An API error as Discord words it: HTTP status, JSON error code, message. */
export class FakeDiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** First index whose id is >= `id`. */
function lowerBound(list: FakeMessage[], id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(list[mid]!.id, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is > `id`. */
function upperBound(list: FakeMessage[], id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(list[mid]!.id, id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
