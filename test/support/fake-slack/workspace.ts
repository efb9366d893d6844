/**
 * The in-memory Slack workspace behind the fake server: users, bots, channels, messages (with every edit a user
 * saw) and files. Indexed by channel and thread so a benchmark with hundreds of threads stays cheap.
 */

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  displayName?: string;
  /** Set for bot users: the `bot_id` their messages carry. */
  botId?: string;
  isBot?: boolean;
  /** Workspace admin / owner (users.info `is_admin` / `is_owner`). */
  isAdmin?: boolean;
  isOwner?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  /** `im` for a direct message with the bot. */
  type: "channel" | "group" | "im" | "mpim";
}

export interface FakeFile {
  id: string;
  name: string;
  mimetype: string;
  data: Buffer;
  /** Where the fake serves it (needs the bot token). */
  url_private: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  user?: string;
  botId?: string;
  subtype?: string;
  text: string;
  files: FakeFile[];
  /** Every text the message had, oldest first: the original, then each `chat.update`. */
  edits: string[];
  reactions: Map<string, Set<string>>;
  deleted?: boolean;
  /** Block Kit blocks the message carries (chat.postMessage / chat.update / chat.stopStream `blocks`). */
  blocks?: Array<Record<string, unknown>>;
  /** Set for a message made by chat.startStream: when it started and whether it still takes appends. */
  stream?: { startedAt: number; open: boolean; appends: number };
}

/** Strictly increasing Slack-style timestamps ("1700000000.000100"), unique across the workspace. */
export class TsClock {
  private lastMicros = 0;
  next(): string {
    const micros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }
}

export class Workspace {
  readonly users = new Map<string, FakeUser>();
  readonly bots = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly files = new Map<string, FakeFile>();
  /** Messages deleted by chat.delete, in order. */
  readonly deleted: FakeMessage[] = [];
  /** channel → ts → message */
  private readonly messages = new Map<string, Map<string, FakeMessage>>();
  /** `channel:threadTs` → reply ts in order (the parent is not included) */
  private readonly replies = new Map<string, string[]>();
  private readonly clock = new TsClock();
  private fileSeq = 0;
  /** Off in benchmarks: `edits` then holds only the original text. */
  recordEdits = true;

  constructor(
    readonly teamId: string,
    readonly teamName: string,
  ) {}

  addUser(user: FakeUser): FakeUser {
    this.users.set(user.id, user);
    if (user.botId) this.bots.set(user.botId, { ...user, isBot: true });
    return user;
  }

  addChannel(channel: FakeChannel): FakeChannel {
    this.channels.set(channel.id, channel);
    return channel;
  }

  addFile(name: string, mimetype: string, data: Buffer, baseUrl: string): FakeFile {
    const id = `F${String(++this.fileSeq).padStart(8, "0")}`;
    const file = { id, name, mimetype, data, url_private: `${baseUrl}files/${id}/${encodeURIComponent(name)}` };
    this.files.set(id, file);
    return file;
  }

  /** A fresh timestamp (for events that are not messages, such as message_changed). */
  nextTs(): string {
    return this.clock.next();
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.get(channel)?.get(ts);
  }

  /** Adds a message; `threadTs` makes it a reply (the parent must exist). */
  post(input: Omit<FakeMessage, "ts" | "edits" | "reactions" | "files"> & { files?: FakeFile[] }): FakeMessage {
    const ts = this.clock.next();
    const message: FakeMessage = {
      ...input,
      ts,
      files: input.files ?? [],
      edits: [input.text],
      reactions: new Map(),
    };
    let inChannel = this.messages.get(input.channel);
    if (!inChannel) {
      inChannel = new Map();
      this.messages.set(input.channel, inChannel);
    }
    inChannel.set(ts, message);
    if (input.threadTs && input.threadTs !== ts) {
      const key = `${input.channel}:${input.threadTs}`;
      const list = this.replies.get(key);
      if (list) list.push(ts);
      else this.replies.set(key, [ts]);
    }
    return message;
  }

  /** Deletes a message; it stays in `deleted` so tests can still see what users saw before. */
  remove(message: FakeMessage): void {
    this.messages.get(message.channel)?.delete(message.ts);
    if (message.threadTs) {
      const list = this.replies.get(`${message.channel}:${message.threadTs}`);
      const at = list?.indexOf(message.ts) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    }
    message.deleted = true;
    this.deleted.push(message);
  }

  edit(message: FakeMessage, text: string): void {
    message.text = text;
    if (this.recordEdits) message.edits.push(text);
  }

  /** The parent then its replies, oldest first, as conversations.replies returns them. */
  thread(channel: string, threadTs: string): FakeMessage[] {
    const parent = this.message(channel, threadTs);
    if (!parent) return [];
    const root = parent.threadTs && parent.threadTs !== parent.ts ? this.message(channel, parent.threadTs) : parent;
    if (!root) return [parent];
    const replies = (this.replies.get(`${channel}:${root.ts}`) ?? [])
      .map((ts) => this.message(channel, ts))
      .filter((m): m is FakeMessage => m !== undefined);
    return [root, ...replies];
  }

  /** Every message in a channel, oldest first. */
  channelMessages(channel: string): FakeMessage[] {
    return [...(this.messages.get(channel)?.values() ?? [])];
  }

  /** The message as the Web API shows it. */
  toApi(message: FakeMessage): Record<string, unknown> {
    const author = message.user ? this.users.get(message.user) : undefined;
    const out: Record<string, unknown> = {
      type: "message",
      ts: message.ts,
      text: message.text,
      team: this.teamId,
    };
    if (message.user) out.user = message.user;
    if (message.botId) {
      out.bot_id = message.botId;
      out.bot_profile = { id: message.botId, name: author?.name ?? this.bots.get(message.botId)?.name ?? "bot" };
    }
    if (message.subtype) out.subtype = message.subtype;
    if (message.threadTs) out.thread_ts = message.threadTs;
    const replyCount = this.replies.get(`${message.channel}:${message.ts}`)?.length ?? 0;
    if (replyCount > 0) {
      out.thread_ts = message.ts;
      out.reply_count = replyCount;
    }
    if (message.blocks) out.blocks = message.blocks;
    if (message.edits.length > 1) out.edited = { user: message.user, ts: message.ts };
    if (message.files.length > 0) {
      out.files = message.files.map((f) => ({
        id: f.id,
        name: f.name,
        title: f.name,
        mimetype: f.mimetype,
        filetype: f.mimetype.split("/")[1] ?? "binary",
        size: f.data.length,
        url_private: f.url_private,
        url_private_download: `${f.url_private}?download=1`,
      }));
    }
    if (message.reactions.size > 0) {
      out.reactions = [...message.reactions].map(([name, users]) => ({ name, users: [...users], count: users.size }));
    }
    return out;
  }
}
