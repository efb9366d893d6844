/**
 * A fake Slack on 127.0.0.1 for tests and benchmarks: the Web API (`/api/<method>`), files behind the bot token
 * (`/files/...`), and the Socket Mode WebSocket (`/socket`). The real @slack/bolt talks to it unchanged through
 * `clientOptions.slackApiUrl`. It enforces Slack's rate limits and msg_too_long, records every call and every
 * message's edit history, and delivers events (Socket Mode, or signed HTTP POSTs) with retries on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { EventEmitter } from "node:events";
import { createHash, createHmac, randomUUID } from "node:crypto";
import { WebSocketServer, WebSocket } from "ws";
import { SlidingWindowLimiter, type WindowLimit } from "./rate-limiter.js";
import { broadcastPings, type BroadcastPing } from "./broadcast-pings.js";
import { SlackFaults, type SlackFault } from "./faults.js";
import {
  handleApiCall,
  refusedToken,
  type ApiCall,
  type FakeEphemeral,
  type MethodRefusal,
  type TokenKind,
  type WebApiContext,
} from "./web-api.js";
import { Workspace, type FakeChannel, type FakeFile, type FakeMessage, type FakeUser } from "./workspace.js";
import { assistantThreadKey, type AssistantThreadState } from "./ai-methods.js";
import { receiveUpload, type PendingUpload, type SharedUpload } from "./file-methods.js";
import { DEFAULT_METHOD_LIMITS, DEFAULT_SCOPES, STREAM_LIFETIME_MS } from "./method-limits.js";
import {
  blockActionPayload,
  httpFormBody,
  messageShortcutPayload,
  slashCommandPayload,
  type InteractionDelivery,
  type InteractionKind,
  type PayloadContext,
} from "./interactions.js";

export type { ApiCall, FakeEphemeral, MethodRefusal } from "./web-api.js";
export type { AssistantThreadState } from "./ai-methods.js";
export type { SharedUpload } from "./file-methods.js";
export type { InteractionDelivery } from "./interactions.js";
export { ackedInTime, ACK_DEADLINE_MS } from "./interactions.js";
export type { FakeChannel, FakeFile, FakeMessage, FakeUser } from "./workspace.js";
export type { WindowLimit } from "./rate-limiter.js";
export type { SlackFault } from "./faults.js";

export interface FakeSlackOptions {
  teamId?: string;
  teamName?: string;
  botToken?: string;
  appToken?: string;
  signingSecret?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  /** chat.update per workspace (Slack: ~50/min). */
  updateLimit?: WindowLimit;
  /** chat.postMessage per channel (Slack: ~1/s, short bursts allowed). */
  postLimit?: WindowLimit;
  /** msg_too_long above this many characters of `text` (Slack in practice: ~4,000). */
  maxTextLength?: number;
  maxRepliesPageSize?: number;
  /** Emit `message` / `message_changed` events for the bot's own posts and edits, as Slack does (default true). */
  echoBotMessages?: boolean;
  /**
   * Tokens Slack knows but refuses, each with the error every method answers it with (Slack: HTTP 200,
   * `{ok: false, error}`), e.g. `{"xoxb-revoked": "token_revoked", "xapp-old": "account_inactive"}`. Any other
   * unknown token gets `invalid_auth`, as on Slack.
   */
  refusedTokens?: Record<string, string>;
  /**
   * Keep every call (with its parameters) in `calls` and every edit in `message.edits` (default true). A benchmark
   * turns it off to save memory; `callCounts` is kept either way.
   */
  record?: boolean;
  /** The bot token's scopes (default: what the project's manifest asks for, method-limits.ts). */
  scopes?: string[];
  /** Per-method, per-workspace limits of the AI-app methods (default: their documented tiers). */
  methodLimits?: Record<string, WindowLimit>;
  /** How long after chat.startStream Slack closes the stream (default 5 minutes); tests shorten it. */
  streamLifetimeMs?: number;
}

export interface CallCount {
  ok: number;
  /** Refused with 429. */
  rateLimited: number;
  /** Refused with another error (msg_too_long, ...). */
  failed: number;
}

export interface EventDelivery {
  eventId: string;
  eventType: string;
  envelopeId: string;
  retryAttempt: number;
  via: "socket" | "http";
  acked: boolean;
  /** HTTP status the receiver answered (HTTP delivery only). */
  status?: number;
}

export interface PostedByUser {
  message: FakeMessage;
  /** event_id of the `message` event, and of the `app_mention` when the text mentions the bot. */
  messageEventId: string;
  mentionEventId?: string;
}

interface Envelope {
  eventId: string;
  payload: Record<string, unknown>;
}

export class FakeSlack extends EventEmitter {
  readonly workspace: Workspace;
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId = "A0THREADPILOT";
  /** Every Web API call, in arrival order (when recording). */
  readonly calls: ApiCall[] = [];
  /** Live channel-wide mentions found in any chat.* write (what would have pinged people), always kept. */
  readonly broadcastPings: BroadcastPing[] = [];
  /** Calls per method, always kept. */
  readonly callCounts = new Map<string, CallCount>();
  readonly record: boolean;
  /** Every event delivery (first deliveries and retries). */
  readonly deliveries: EventDelivery[] = [];
  /** Requests for files, with whether they carried the bot token. */
  readonly fileRequests: Array<{ path: string; authorized: boolean }> = [];
  /** Uploads between files.getUploadURLExternal and files.completeUploadExternal. */
  readonly pendingUploads = new Map<string, PendingUpload>();
  /** Every file the bot shared (files.completeUploadExternal), in order. */
  readonly sharedFiles: SharedUpload[] = [];
  readonly updateLimiter: SlidingWindowLimiter;
  readonly postLimiter: SlidingWindowLimiter;
  /** Slack failing on purpose: `faults.fail(["chat.update"], { kind: "http", status: 500 }, 5_000)`. */
  readonly faults = new SlackFaults();
  /** When set, events are POSTed here signed instead of sent over Socket Mode. */
  eventsUrl: string | undefined;
  /**
   * Send each Socket Mode event to EVERY open connection instead of one of them (Slack picks one). Replica tests
   * use it to prove that two processes receiving the same event still answer it once.
   */
  deliverToEverySocket = false;
  echoBotMessages: boolean;
  /** The bot token's scopes; change it to see `missing_scope`. */
  readonly scopes: Set<string>;
  /** Methods a test makes Slack refuse (`unknown_method`, `not_allowed`, ...), optionally in one channel. */
  readonly refusals: MethodRefusal[] = [];
  /** Per-method workspace limiters of the AI-app methods. */
  readonly methodLimiters = new Map<string, SlidingWindowLimiter>();
  /** How long a native stream stays open after it started. */
  streamLifetimeMs: number;
  /** Status line, prompts and title of each assistant thread (`channel:thread_ts`). */
  readonly assistantThreads = new Map<string, AssistantThreadState>();
  /** Every interactive / slash-command delivery, with when it was acknowledged. */
  readonly interactions: InteractionDelivery[] = [];
  /** What the app POSTed to a `response_url`, in order. */
  readonly responses: Array<{ url: string; body: Record<string, unknown> }> = [];
  /** Every ephemeral message the bot sent (chat.postEphemeral), in order. */
  readonly ephemerals: FakeEphemeral[] = [];

  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly openSockets: Socket[] = [];
  private readonly envelopes = new Map<string, Envelope>();
  private readonly pendingAcks = new Map<string, EventDelivery>();
  /** Envelopes waiting for a Socket Mode connection. */
  private readonly queued: Array<{ envelope: Envelope; attempt: number }> = [];
  private readonly tickets = new Set<string>();
  private nextSocket = 0;
  private eventSeq = 0;
  private port = 0;
  private readonly maxTextLength: number;
  private readonly maxRepliesPageSize: number;
  private readonly refusedTokens: Map<string, string>;

  constructor(options: FakeSlackOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.workspace = new Workspace(options.teamId ?? "T0FAKE", options.teamName ?? "fake-team");
    this.botToken = options.botToken ?? "xoxb-fake-bot-token";
    this.appToken = options.appToken ?? "xapp-fake-app-token";
    this.signingSecret = options.signingSecret ?? "fake-signing-secret";
    this.botUserId = options.botUserId ?? "U0BOT";
    this.botId = options.botId ?? "B0BOT";
    this.updateLimiter = new SlidingWindowLimiter(options.updateLimit ?? { calls: 50, perMs: 60_000 });
    this.postLimiter = new SlidingWindowLimiter(options.postLimit ?? { calls: 3, perMs: 3_000 });
    this.maxTextLength = options.maxTextLength ?? 4_000;
    this.maxRepliesPageSize = options.maxRepliesPageSize ?? 1000;
    this.echoBotMessages = options.echoBotMessages ?? true;
    this.record = options.record ?? true;
    this.refusedTokens = new Map(Object.entries(options.refusedTokens ?? {}));
    this.workspace.recordEdits = this.record;
    this.scopes = new Set(options.scopes ?? DEFAULT_SCOPES);
    this.streamLifetimeMs = options.streamLifetimeMs ?? STREAM_LIFETIME_MS;
    for (const [method, limit] of Object.entries({ ...DEFAULT_METHOD_LIMITS, ...options.methodLimits })) {
      this.methodLimiters.set(method, new SlidingWindowLimiter(limit));
    }
    this.workspace.addUser({
      id: this.botUserId,
      name: options.botName ?? "threadpilot",
      botId: this.botId,
      isBot: true,
    });
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.on("connection", (socket) => {
      this.openSockets.push(socket);
      socket.on("close", () => this.openSockets.splice(this.openSockets.indexOf(socket) >>> 0, 1));
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on("upgrade", (req, socket, head) => {
      const url = new URL(req.url ?? "/", "http://x");
      const ticket = url.searchParams.get("ticket") ?? "";
      if (url.pathname !== "/socket" || !this.tickets.delete(ticket)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptSocket(ws));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Ready for `clientOptions.slackApiUrl` / SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}api/`;
  }

  get teamId(): string {
    return this.workspace.teamId;
  }

  /** Socket Mode connections accepted so far (reconnects included). */
  connectionsAccepted = 0;

  get socketConnections(): number {
    return this.sockets.size;
  }

  // ---------------------------------------------------------------- workspace setup

  addUser(user: FakeUser): FakeUser {
    return this.workspace.addUser(user);
  }

  addChannel(channel: Partial<FakeChannel> & { id: string }): FakeChannel {
    return this.workspace.addChannel({ name: channel.id.toLowerCase(), type: "channel", ...channel });
  }

  /** A file the fake serves at `url_private` to requests carrying the bot token. */
  addFile(name: string, mimetype: string, data: Buffer): FakeFile {
    return this.workspace.addFile(name, mimetype, data, this.baseUrl);
  }

  // ---------------------------------------------------------------- what users do

  /**
   * A person (or another bot, when `user` is a bot user) posts a message: it is stored and the events Slack would
   * send are delivered: `message` always, `app_mention` too when the text mentions the bot outside a DM.
   */
  userSays(input: { channel: string; user: string; text: string; threadTs?: string; files?: FakeFile[] }): PostedByUser {
    const channel = this.workspace.channels.get(input.channel);
    if (!channel) throw new Error(`fake Slack: no channel ${input.channel}`);
    const author = this.workspace.users.get(input.user);
    if (!author) throw new Error(`fake Slack: no user ${input.user}`);
    const message = this.workspace.post({
      channel: input.channel,
      threadTs: input.threadTs,
      user: input.user,
      botId: author.botId,
      subtype: input.files?.length ? "file_share" : undefined,
      text: input.text,
      files: input.files,
    });
    this.emit("change");
    const event = { ...this.workspace.toApi(message), channel: input.channel, event_ts: message.ts, channel_type: channelType(channel) };
    const messageEventId = this.deliverEvent(event);
    let mentionEventId: string | undefined;
    if (channel.type !== "im" && input.text.includes(`<@${this.botUserId}>`)) {
      const { files: _files, subtype: _subtype, reactions: _r, ...rest } = event as Record<string, unknown>;
      mentionEventId = this.deliverEvent({ ...rest, type: "app_mention" });
    }
    return { message, messageEventId, mentionEventId };
  }

  /** Delivers any event (wrapped in an event_callback) as Slack would; returns its event_id. */
  deliverEvent(event: Record<string, unknown>): string {
    const eventId = `Ev${String(++this.eventSeq).padStart(10, "0")}`;
    const payload = {
      token: "verification-token-unused",
      team_id: this.teamId,
      api_app_id: this.appId,
      event,
      type: "event_callback",
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.teamId, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${eventId}`,
    };
    const envelope = { eventId, payload };
    this.envelopes.set(eventId, envelope);
    this.send(envelope, 0);
    return eventId;
  }

  /**
   * A person reacts to a message with `:name:`: stored on the message, and `reaction_added` delivered as Slack
   * does (`item_user` is the message's author). Returns the event_id.
   */
  userReacts(input: { channel: string; ts: string; user: string; name: string }): string {
    const message = this.workspace.message(input.channel, input.ts);
    if (!message) throw new Error(`fake Slack: no message ${input.channel}/${input.ts}`);
    const users = message.reactions.get(input.name) ?? new Set<string>();
    users.add(input.user);
    message.reactions.set(input.name, users);
    this.emit("change");
    return this.deliverEvent({
      type: "reaction_added",
      user: input.user,
      reaction: input.name,
      item: { type: "message", channel: input.channel, ts: input.ts },
      ...(message.user ? { item_user: message.user } : {}),
      event_ts: this.workspace.nextTs(),
    });
  }

  /**
   * Sends a raw Socket Mode frame to every connected client: a string as is (garbage), an object as JSON (an
   * envelope of any shape, missing parts included). Nothing is recorded or retried; returns how many got it.
   */
  sendRawFrame(frame: string | Record<string, unknown>): number {
    const data = typeof frame === "string" ? frame : JSON.stringify(frame);
    const sockets = [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN);
    for (const ws of sockets) ws.send(data);
    return sockets.length;
  }

  /** Delivers an earlier event again, as Slack does when it thinks it was not acknowledged. */
  redeliver(eventId: string, retryAttempt: number): void {
    const envelope = this.envelopes.get(eventId);
    if (!envelope) throw new Error(`fake Slack: no event ${eventId}`);
    this.send(envelope, retryAttempt);
  }

  /** Makes `method` answer `error` (in `channel` only, when given) until `allow` is called. */
  refuse(refusal: MethodRefusal): void {
    this.refusals.push(refusal);
  }

  allow(method: string): void {
    for (let i = this.refusals.length - 1; i >= 0; i--)
      if (this.refusals[i]!.method === method) this.refusals.splice(i, 1);
  }

  /** A person presses a button of a message (`choice` for feedback buttons); returns the delivery. */
  pressButton(input: {
    channel: string;
    ts: string;
    user: string;
    actionId: string;
    choice?: "positive" | "negative";
  }): InteractionDelivery {
    const message = this.workspace.message(input.channel, input.ts);
    if (!message) throw new Error(`fake Slack: no message ${input.channel}/${input.ts}`);
    const payload = blockActionPayload(this.payloadContext(), {
      message,
      userId: input.user,
      actionId: input.actionId,
      ...(input.choice ? { choice: input.choice } : {}),
    });
    return this.deliverInteraction("interactive", "block_actions", payload);
  }

  /** A person uses the message shortcut `callbackId` on a message. */
  useMessageShortcut(input: { channel: string; ts: string; user: string; callbackId: string }): InteractionDelivery {
    const message = this.workspace.message(input.channel, input.ts);
    if (!message) throw new Error(`fake Slack: no message ${input.channel}/${input.ts}`);
    const payload = messageShortcutPayload(this.payloadContext(), {
      message,
      userId: input.user,
      callbackId: input.callbackId,
    });
    return this.deliverInteraction("interactive", "message_action", payload);
  }

  /** A person runs `/command text` in a channel. */
  runSlashCommand(input: { command: string; text: string; user: string; channel: string }): InteractionDelivery {
    if (!this.workspace.channels.has(input.channel)) throw new Error(`fake Slack: no channel ${input.channel}`);
    const payload = slashCommandPayload(this.payloadContext(), {
      command: input.command,
      text: input.text,
      userId: input.user,
      channelId: input.channel,
    });
    return this.deliverInteraction("slash_commands", input.command, payload);
  }

  /**
   * A person opens the app's assistant panel: Slack makes a thread in their DM with the app and sends
   * `assistant_thread_started` (with the channel they were looking at as context). Returns the thread.
   */
  startAssistantThread(input: { user: string; dmChannel: string; contextChannel?: string }): {
    channel: string;
    threadTs: string;
    eventId: string;
  } {
    if (!this.workspace.channels.has(input.dmChannel)) this.addChannel({ id: input.dmChannel, type: "im" });
    // The thread's root is the app's; the person's messages are replies in it.
    const root = this.workspace.post({ channel: input.dmChannel, user: this.botUserId, botId: this.botId, text: "" });
    const eventId = this.deliverEvent({
      type: "assistant_thread_started",
      assistant_thread: {
        user_id: input.user,
        context: { channel_id: input.contextChannel ?? "", team_id: this.teamId, enterprise_id: null },
        channel_id: input.dmChannel,
        thread_ts: root.ts,
      },
      event_ts: this.workspace.nextTs(),
    });
    return { channel: input.dmChannel, threadTs: root.ts, eventId };
  }

  /** The status line, prompts and title of an assistant thread, if any was ever set. */
  assistantThread(channel: string, threadTs: string): AssistantThreadState | undefined {
    return this.assistantThreads.get(assistantThreadKey(channel, threadTs));
  }

  // ---------------------------------------------------------------- what tests look at

  messagesIn(channel: string): FakeMessage[] {
    return this.workspace.channelMessages(channel);
  }

  /** The thread's messages, parent first. */
  thread(channel: string, threadTs: string): FakeMessage[] {
    return this.workspace.thread(channel, threadTs);
  }

  /** The bot's messages in a thread, oldest first. */
  botReplies(channel: string, threadTs: string): FakeMessage[] {
    return this.thread(channel, threadTs).filter((m) => m.user === this.botUserId);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves when `check` returns a truthy value (re-checked on every change); rejects after `timeoutMs`. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 30_000, what = "condition"): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        let value: T | undefined | null | false;
        try {
          value = check();
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Slack: timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off("change", attempt);
      };
      this.on("change", attempt);
      attempt();
    });
  }

  /** Resolves once `count` Socket Mode connections have been accepted in all (reconnects included). */
  waitForSocket(count = 1): Promise<number> {
    return this.waitFor(
      () => (this.connectionsAccepted >= count ? this.connectionsAccepted : 0),
      30_000,
      "a Socket Mode connection",
    );
  }

  /** Signs an HTTP event body as Slack does. */
  sign(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const signature = `v0=${createHmac("sha256", this.signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    return { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature };
  }

  /** Asks every Socket Mode client to reconnect, as Slack does before it rotates a connection. */
  disconnectSockets(): void {
    for (const ws of this.sockets) ws.send(JSON.stringify({ type: "disconnect", reason: "refresh_requested" }));
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.wss.close();
    for (const socket of this.openSockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- internals

  private apiContext(): WebApiContext {
    const fake = this;
    return {
      workspace: this.workspace,
      botUserId: this.botUserId,
      botId: this.botId,
      appId: this.appId,
      maxTextLength: this.maxTextLength,
      maxRepliesPageSize: this.maxRepliesPageSize,
      limits: { update: this.updateLimiter, post: this.postLimiter },
      scopes: this.scopes,
      refusals: this.refusals,
      ephemerals: this.ephemerals,
      now: () => Date.now(),
      // Read on every call, so a test may shorten it after the start.
      get streamLifetimeMs() {
        return fake.streamLifetimeMs;
      },
      limiter: (method) => this.methodLimiters.get(method),
      assistantThreads: this.assistantThreads,
      uploads: this.pendingUploads,
      shared: this.sharedFiles,
      uploadUrl: (id) => `${this.baseUrl}upload/${id}`,
      addFile: (name, mimetype, data) => this.addFile(name, mimetype, data),
      socketUrl: () => {
        const ticket = randomUUID();
        this.tickets.add(ticket);
        return `ws://127.0.0.1:${this.port}/socket?ticket=${ticket}`;
      },
      onBotPost: (message) => {
        // The bot's next message in a thread clears its status line.
        const status = message.threadTs
          ? this.assistantThreads.get(assistantThreadKey(message.channel, message.threadTs))
          : undefined;
        if (status) status.status = "";
        if (!this.echoBotMessages) return;
        const channel = this.workspace.channels.get(message.channel);
        this.deliverEvent({
          ...this.workspace.toApi(message),
          channel: message.channel,
          event_ts: message.ts,
          channel_type: channel ? channelType(channel) : "channel",
        });
      },
      onBotEdit: (message, previousText) => {
        if (!this.echoBotMessages) return;
        const channel = this.workspace.channels.get(message.channel);
        this.deliverEvent({
          type: "message",
          subtype: "message_changed",
          hidden: true,
          channel: message.channel,
          channel_type: channel ? channelType(channel) : "channel",
          ts: this.workspace.nextTs(),
          event_ts: message.ts,
          message: this.workspace.toApi(message),
          previous_message: { ...this.workspace.toApi(message), text: previousText },
        });
      },
      onBotDelete: (message) => {
        if (!this.echoBotMessages) return;
        const channel = this.workspace.channels.get(message.channel);
        this.deliverEvent({
          type: "message",
          subtype: "message_deleted",
          hidden: true,
          channel: message.channel,
          channel_type: channel ? channelType(channel) : "channel",
          deleted_ts: message.ts,
          event_ts: message.ts,
          previous_message: this.workspace.toApi(message),
        });
      },
    };
  }

  private context: WebApiContext | undefined;
  private readonly pendingInteractions = new Map<string, InteractionDelivery>();
  private interactionSeq = 0;

  private payloadContext(): PayloadContext {
    return {
      workspace: this.workspace,
      appId: this.appId,
      responseUrl: () => `${this.baseUrl}response/R${String(++this.interactionSeq).padStart(8, "0")}`,
      triggerId: () => `${Date.now()}.${++this.interactionSeq}.trigger`,
      now: () => Date.now(),
    };
  }

  /** Sends an interaction over Socket Mode (one connection, as Slack does) or POSTs it signed in HTTP mode. */
  private deliverInteraction(
    kind: InteractionKind,
    what: string,
    payload: Record<string, unknown>,
  ): InteractionDelivery {
    const delivery: InteractionDelivery = {
      id: randomUUID(),
      kind,
      what,
      via: this.eventsUrl ? "http" : "socket",
      sentAt: Date.now(),
    };
    this.interactions.push(delivery);
    if (this.eventsUrl) {
      void this.postInteraction(kind, payload, delivery);
      return delivery;
    }
    const sockets = [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN);
    if (sockets.length === 0) throw new Error("fake Slack: no Socket Mode connection for an interaction");
    const ws = sockets[this.nextSocket++ % sockets.length]!;
    this.pendingInteractions.set(delivery.id, delivery);
    ws.send(JSON.stringify({ envelope_id: delivery.id, type: kind, accepts_response_payload: true, payload }));
    this.emit("change");
    return delivery;
  }

  private async postInteraction(
    kind: InteractionKind,
    payload: Record<string, unknown>,
    delivery: InteractionDelivery,
  ): Promise<void> {
    const body = httpFormBody(kind, payload);
    const headers = { "content-type": "application/x-www-form-urlencoded", ...this.sign(body) };
    try {
      const response = await fetch(this.eventsUrl!, { method: "POST", headers, body });
      const text = await response.text();
      delivery.status = response.status;
      if (response.status === 200) {
        delivery.ackedAt = Date.now();
        if (text) delivery.ackBody = safeJson(text);
      }
    } catch {
      delivery.status = 0;
    }
    this.emit("change");
  }

  /** A `response_url` POST from the app (a slash command's or a shortcut's delayed answer). */
  private async serveResponse(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const raw = await readBody(req);
    this.responses.push({ url: url.pathname, body: (safeJson(raw) as Record<string, unknown>) ?? { raw } });
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    this.emit("change");
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname.startsWith("/api/")) return await this.serveApi(req, res, url);
      if (url.pathname.startsWith("/files/")) return this.serveFile(req, res, url);
      if (url.pathname.startsWith("/upload/") && req.method === "POST") return await this.serveUpload(req, res, url);
      if (url.pathname.startsWith("/response/")) return await this.serveResponse(req, res, url);
      res.writeHead(404).end();
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  }

  private async serveApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = url.pathname.slice("/api/".length);
    const raw = await readBody(req);
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const type = req.headers["content-type"] ?? "";
    if (type.includes("application/json") && raw) {
      for (const [k, v] of Object.entries(JSON.parse(raw) as Record<string, unknown>)) {
        params[k] = typeof v === "string" ? v : JSON.stringify(v);
      }
    } else if (raw) {
      for (const [k, v] of new URLSearchParams(raw)) params[k] = v;
    }
    const auth = req.headers.authorization?.replace(/^Bearer\s+/i, "") ?? params.token;
    delete params.token;
    const token: TokenKind =
      auth === undefined || auth === ""
        ? "none"
        : auth === this.botToken
          ? "bot"
          : auth === this.appToken
            ? "app"
            : "invalid";
    const fault = this.faults.take(method);
    if (fault) return this.answerFault(method, params, fault, res);
    if (method.startsWith("chat.")) this.broadcastPings.push(...broadcastPings(method, params));
    this.context ??= this.apiContext();
    const refusal = auth ? this.refusedTokens.get(auth) : undefined;
    const result = refusal ? refusedToken(refusal) : handleApiCall(this.context, method, params, token);
    const error = typeof result.body.error === "string" ? result.body.error : undefined;
    const count = this.callCounts.get(method) ?? { ok: 0, rateLimited: 0, failed: 0 };
    if (result.status === 429) count.rateLimited++;
    else if (error) count.failed++;
    else count.ok++;
    this.callCounts.set(method, count);
    if (this.record) {
      this.calls.push({ method, params, ok: result.body.ok === true, error, status: result.status, at: Date.now() });
    }
    res.writeHead(result.status, { "content-type": "application/json", ...result.headers });
    res.end(JSON.stringify(result.body));
    this.emit("change");
  }

  /** A call that meets a fault: recorded as failed, answered the way Slack fails, and nothing else happens. */
  private answerFault(method: string, params: Record<string, string>, fault: SlackFault, res: ServerResponse): void {
    const status = fault.kind === "http" ? fault.status : fault.kind === "error" ? 200 : 0;
    const error = fault.kind === "error" ? fault.error : fault.kind === "http" ? `http_${fault.status}` : "connection_reset";
    const count = this.callCounts.get(method) ?? { ok: 0, rateLimited: 0, failed: 0 };
    count.failed++;
    this.callCounts.set(method, count);
    if (this.record) this.calls.push({ method, params, ok: false, error, status, at: Date.now() });
    if (fault.kind === "reset") res.socket?.destroy();
    else if (fault.kind === "http") res.writeHead(fault.status, { "content-type": "text/html" }).end("<html><body>Slack is having trouble</body></html>");
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, error: fault.error }));
    this.emit("change");
  }

  /** An upload URL from files.getUploadURLExternal (file-methods.ts). */
  private async serveUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readRawBody(req);
    const answer = await receiveUpload(this.pendingUploads, url.pathname.split("/")[2] ?? "", body, req.headers["content-type"]);
    res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.text);
    this.emit("change");
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const authorized = req.headers.authorization === `Bearer ${this.botToken}`;
    this.fileRequests.push({ path: url.pathname, authorized });
    const id = url.pathname.split("/")[2] ?? "";
    const file = this.workspace.files.get(id);
    if (!authorized) {
      // Slack answers an unauthenticated file request with its login page, not the file.
      res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Sign in to Slack</body></html>");
      return;
    }
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file.mimetype, "content-length": file.data.length });
    res.end(file.data);
  }

  private acceptSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    this.connectionsAccepted++;
    ws.on("message", (data) => {
      let frame: { envelope_id?: string; payload?: unknown };
      try {
        frame = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      } catch {
        return;
      }
      const interaction = frame.envelope_id ? this.pendingInteractions.get(frame.envelope_id) : undefined;
      if (interaction) {
        interaction.ackedAt = Date.now();
        if (frame.payload !== undefined) interaction.ackBody = frame.payload;
        this.pendingInteractions.delete(interaction.id);
        this.emit("change");
        return;
      }
      const delivery = frame.envelope_id ? this.pendingAcks.get(frame.envelope_id) : undefined;
      if (delivery) {
        delivery.acked = true;
        this.pendingAcks.delete(delivery.envelopeId);
        this.emit("change");
      }
    });
    ws.on("close", () => {
      this.sockets.delete(ws);
      this.emit("change");
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.size,
        debug_info: { host: "fake-slack", approximate_connection_time: 3600 },
        connection_info: { app_id: this.appId },
      }),
    );
    // Events that arrived while nobody was connected.
    const waiting = this.queued.splice(0);
    for (const { envelope, attempt } of waiting) this.send(envelope, attempt);
    this.emit("change");
  }

  private send(envelope: Envelope, retryAttempt: number): void {
    const event = envelope.payload.event as { type?: string };
    const delivery: EventDelivery = {
      eventId: envelope.eventId,
      eventType: event.type ?? "unknown",
      envelopeId: randomUUID(),
      retryAttempt,
      via: this.eventsUrl ? "http" : "socket",
      acked: false,
    };
    if (this.eventsUrl) {
      this.deliveries.push(delivery);
      void this.postEvent(envelope, delivery);
      return;
    }
    const sockets = [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN);
    if (sockets.length === 0) {
      this.queued.push({ envelope, attempt: retryAttempt });
      return;
    }
    let targets: WebSocket[];
    if (this.deliverToEverySocket) {
      // Who hears first depends on the event (a hash of its id), so no replica always wins the race for a message.
      const first = createHash("sha1").update(envelope.eventId).digest()[0]! % sockets.length;
      targets = [...sockets.slice(first), ...sockets.slice(0, first)];
    } else {
      targets = [sockets[this.nextSocket++ % sockets.length]!];
    }
    for (const [i, ws] of targets.entries()) {
      // Every connection gets its own envelope (and is expected to ack it).
      const copy = i === 0 ? delivery : { ...delivery, envelopeId: randomUUID() };
      this.deliveries.push(copy);
      this.pendingAcks.set(copy.envelopeId, copy);
      ws.send(
        JSON.stringify({
          envelope_id: copy.envelopeId,
          type: "events_api",
          accepts_response_payload: false,
          retry_attempt: retryAttempt,
          retry_reason: retryAttempt > 0 ? "timeout" : "",
          payload: envelope.payload,
        }),
      );
    }
    this.emit("change");
  }

  private async postEvent(envelope: Envelope, delivery: EventDelivery): Promise<void> {
    const body = JSON.stringify(envelope.payload);
    const headers: Record<string, string> = { "content-type": "application/json", ...this.sign(body) };
    if (delivery.retryAttempt > 0) {
      headers["x-slack-retry-num"] = String(delivery.retryAttempt);
      headers["x-slack-retry-reason"] = "timeout";
    }
    try {
      const response = await fetch(this.eventsUrl!, { method: "POST", headers, body });
      await response.arrayBuffer();
      delivery.status = response.status;
      delivery.acked = response.status === 200;
    } catch {
      delivery.status = 0;
    }
    this.emit("change");
  }
}

function channelType(channel: FakeChannel): string {
  return channel.type;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Starts a fake Slack on a free port of 127.0.0.1. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return new FakeSlack(options).listen();
}
