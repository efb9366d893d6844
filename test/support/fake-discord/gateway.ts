import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { apiChannel, apiGuildCreate, apiMember, apiMessage, apiUser } from "./api-objects.js";
import { ChannelType, type FakeDiscordModel, type FakeMessage, type ModelEvent } from "./model.js";

/** Gateway opcodes and intents the fake speaks (JSON text frames, no compression). */
const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
export const Intent = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  MessageContent: 1 << 15,
} as const;

/** How many dispatches a session keeps for RESUME, as Discord keeps a short backlog. */
const BACKLOG = 1000;

interface Session {
  id: string;
  /** Set after READY / RESUMED: the client's answer to our heartbeat request proves it has read them. */
  pending: "ready" | "resumed" | null;
  intents: number;
  seq: number;
  backlog: { s: number; frame: string }[];
  socket: WebSocket | null;
}

export type ReconnectMode =
  /** Close with 4000: discord.js resumes the session and the fake replays what it missed. */
  | "resume"
  /** INVALID_SESSION (not resumable): discord.js starts a new session with IDENTIFY. */
  | "reidentify";

export interface GatewayOptions {
  model: FakeDiscordModel;
  token: string;
  baseUrl: () => string;
  gatewayUrl: () => string;
  heartbeatIntervalMs: number;
  /** The privileged intents the application has enabled in the Developer Portal (Message Content by default). */
  allowedPrivilegedIntents: number;
}

/** Intents Discord only grants when the application enabled them; asking otherwise closes with 4014. */
const PRIVILEGED = (1 << 1) | (1 << 8) | Intent.MessageContent;

export class FakeGateway extends EventEmitter<{ ready: [string]; resumed: [string]; identify: [number] }> {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private sessionCounter = 0;
  /** Every IDENTIFY and RESUME seen, for tests. */
  readonly log: { op: "identify" | "resume"; sessionId: string; at: number }[] = [];

  constructor(private readonly options: GatewayOptions) {
    super();
    this.setMaxListeners(0);
    this.wss.on("connection", (socket) => this.onConnection(socket));
    options.model.on("change", (event) => this.onModelChange(event));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!(req.url ?? "").startsWith("/gateway")) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  /** Sessions with an open socket. */
  get connectedSessions(): number {
    let n = 0;
    for (const session of this.sessions.values()) if (session.socket?.readyState === WebSocket.OPEN) n++;
    return n;
  }

  /**
   * Resolves once some session has become ready (IDENTIFY) or resumed after this call, and the client has read
   * that far (it answered the heartbeat request sent after READY / RESUMED).
   */
  nextConnection(): Promise<"ready" | "resumed"> {
    return new Promise((resolve) => {
      const onReady = () => done("ready");
      const onResumed = () => done("resumed");
      const done = (how: "ready" | "resumed") => {
        this.off("ready", onReady);
        this.off("resumed", onResumed);
        resolve(how);
      };
      this.once("ready", onReady);
      this.once("resumed", onResumed);
    });
  }

  /** Drops every connection the way Discord does now and then; resolves when the client is back. */
  async forceReconnect(mode: ReconnectMode): Promise<"ready" | "resumed"> {
    const back = this.nextConnection();
    for (const session of this.sessions.values()) {
      const socket = session.socket;
      if (!socket) continue;
      if (mode === "resume") {
        session.socket = null;
        socket.close(4000, "Unknown error");
      } else {
        this.sessions.delete(session.id);
        socket.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      }
    }
    return back;
  }

  /** Delivers a stored message's MESSAGE_CREATE again, as a duplicate delivery would. */
  replayMessageCreate(message: FakeMessage): void {
    this.dispatchMessage("MESSAGE_CREATE", message);
  }

  /**
   * Sends a dispatch as given, to every session with an open socket, whatever it holds: malformed payloads are
   * how a test checks the bot survives what Discord (or a proxy) might send.
   */
  dispatchRaw(type: string, d: unknown): number {
    let sent = 0;
    for (const session of this.sessions.values()) {
      if (session.socket?.readyState !== WebSocket.OPEN) continue;
      this.dispatch(session, type, d);
      sent++;
    }
    return sent;
  }

  /** Sends a text frame as is (not even JSON, if so) to every open socket; returns how many got it. */
  sendRawText(text: string): number {
    let sent = 0;
    for (const session of this.sessions.values()) {
      if (session.socket?.readyState !== WebSocket.OPEN) continue;
      session.socket.send(text);
      sent++;
    }
    return sent;
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private onConnection(socket: WebSocket): void {
    let session: Session | null = null;
    this.sendFrame(socket, { op: Op.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
    socket.on("message", (data) => {
      let payload: { op: number; d: any };
      try {
        payload = JSON.parse(data.toString());
      } catch {
        socket.close(4002, "Decode error");
        return;
      }
      switch (payload.op) {
        case Op.Heartbeat:
          this.sendFrame(socket, { op: Op.HeartbeatAck });
          if (session?.pending && session.socket === socket) {
            const how = session.pending;
            session.pending = null;
            this.emit(how, session.id);
          }
          break;
        case Op.Identify:
          if (payload.d?.token !== this.options.token) {
            socket.close(4004, "Authentication failed");
            return;
          }
          if (Number(payload.d.intents ?? 0) & PRIVILEGED & ~this.options.allowedPrivilegedIntents) {
            socket.close(4014, "Disallowed intent(s).");
            return;
          }
          session = this.identify(socket, Number(payload.d.intents ?? 0));
          break;
        case Op.Resume:
          session = this.resume(socket, payload.d);
          break;
        default:
          break; // presence updates, member requests: not modelled
      }
    });
    socket.on("close", (code) => {
      if (!session || session.socket !== socket) return;
      session.socket = null;
      // A client closing normally ends its session (Discord does the same); other closes may RESUME it.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    });
  }

  private identify(socket: WebSocket, intents: number): Session {
    const { model } = this.options;
    const session: Session = { id: `session-${++this.sessionCounter}`, pending: null, intents, seq: 0, backlog: [], socket };
    this.sessions.set(session.id, session);
    this.log.push({ op: "identify", sessionId: session.id, at: Date.now() });
    this.emit("identify", intents);
    this.dispatch(session, "READY", {
      v: 10,
      user: apiUser(model.botUser),
      application: { id: model.applicationId, flags: 0 },
      guilds: [...model.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.options.gatewayUrl(),
      shard: [0, 1],
    });
    for (const guild of model.guilds.values()) this.dispatch(session, "GUILD_CREATE", apiGuildCreate(guild, model));
    this.requestHeartbeat(session, "ready");
    return session;
  }

  private resume(socket: WebSocket, d: { token?: string; session_id?: string; seq?: number }): Session | null {
    const session = d.session_id ? this.sessions.get(d.session_id) : undefined;
    if (!session || d.token !== this.options.token) {
      this.sendFrame(socket, { op: Op.InvalidSession, d: false });
      return null;
    }
    session.socket?.terminate();
    session.socket = socket;
    this.log.push({ op: "resume", sessionId: session.id, at: Date.now() });
    const seq = Number(d.seq ?? 0);
    for (const entry of session.backlog) if (entry.s > seq) socket.send(entry.frame);
    this.dispatch(session, "RESUMED", null);
    this.requestHeartbeat(session, "resumed");
    return session;
  }

  private onModelChange(event: ModelEvent): void {
    const { model } = this.options;
    switch (event.kind) {
      case "message_create":
        this.dispatchMessage("MESSAGE_CREATE", event.message);
        break;
      case "message_update":
        this.dispatchMessage("MESSAGE_UPDATE", event.message);
        break;
      case "message_delete": {
        const { message } = event;
        const isDm = model.channels.get(message.channelId)?.type === ChannelType.DM;
        this.broadcast(isDm ? Intent.DirectMessages : Intent.GuildMessages, "MESSAGE_DELETE", () => ({
          id: message.id,
          channel_id: message.channelId,
          ...(message.guildId ? { guild_id: message.guildId } : {}),
        }));
        break;
      }
      case "guild_create":
        this.broadcast(Intent.Guilds, "GUILD_CREATE", () => apiGuildCreate(event.guild, model));
        break;
      case "channel_create":
        this.broadcast(Intent.Guilds, "CHANNEL_CREATE", () => apiChannel(event.channel, model));
        break;
      case "thread_create":
        this.broadcast(Intent.Guilds, "THREAD_CREATE", () => ({ ...apiChannel(event.channel, model), newly_created: true }));
        break;
      case "reaction_add": {
        const { message, userId, emoji } = event;
        const isDm = model.channels.get(message.channelId)?.type === ChannelType.DM;
        const member = message.guildId ? apiMember(model, message.guildId, userId) : undefined;
        const user = model.users.get(userId);
        this.broadcast(isDm ? Intent.DirectMessageReactions : Intent.GuildMessageReactions, "MESSAGE_REACTION_ADD", () => ({
          user_id: userId,
          channel_id: message.channelId,
          message_id: message.id,
          ...(message.guildId ? { guild_id: message.guildId } : {}),
          ...(member && user ? { member: { ...member, user: apiUser(user) } } : {}),
          emoji: { id: null, name: emoji },
          message_author_id: message.authorId,
          burst: false,
          type: 0,
        }));
        break;
      }
    }
  }

  private dispatchMessage(type: "MESSAGE_CREATE" | "MESSAGE_UPDATE", message: FakeMessage): void {
    const { model } = this.options;
    const channelType = model.channels.get(message.channelId)?.type ?? ChannelType.GuildText;
    const isDm = channelType === ChannelType.DM;
    const needed = isDm ? Intent.DirectMessages : Intent.GuildMessages;
    // Without the Message Content intent Discord blanks content and attachments, except in DMs, when the bot
    // is mentioned, and on the bot's own messages.
    const contentVisible = isDm || message.authorId === model.botUser.id || message.mentionIds.includes(model.botUser.id);
    let full: object | undefined;
    let blank: object | undefined;
    for (const session of this.sessions.values()) {
      if ((session.intents & needed) === 0) continue;
      if (contentVisible || session.intents & Intent.MessageContent) {
        full ??= { ...apiMessage(message, model, this.options.baseUrl(), true), channel_type: channelType };
        this.dispatch(session, type, full);
      } else {
        blank ??= { ...apiMessage(message, model, this.options.baseUrl(), true), channel_type: channelType, content: "", attachments: [], embeds: [] };
        this.dispatch(session, type, blank);
      }
    }
  }

  private broadcast(intent: number, type: string, data: () => object): void {
    let payload: object | undefined;
    for (const session of this.sessions.values()) {
      if ((session.intents & intent) === 0) continue;
      payload ??= data();
      this.dispatch(session, type, payload);
    }
  }

  /** Sends (or, while the session is disconnected, only keeps) one dispatch with the session's next sequence. */
  private dispatch(session: Session, type: string, d: unknown): void {
    session.seq += 1;
    const frame = JSON.stringify({ op: Op.Dispatch, t: type, s: session.seq, d });
    if (type !== "READY" && type !== "RESUMED") {
      session.backlog.push({ s: session.seq, frame });
      if (session.backlog.length > BACKLOG) session.backlog.splice(0, session.backlog.length - BACKLOG);
    }
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(frame);
  }

  private requestHeartbeat(session: Session, how: "ready" | "resumed"): void {
    session.pending = how;
    if (session.socket) this.sendFrame(session.socket, { op: Op.Heartbeat, d: null });
  }

  private sendFrame(socket: WebSocket, payload: object): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }
}
