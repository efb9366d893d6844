import { isMessageWrite, mentionPings, type MentionPing } from "./mention-pings.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGateway, Intent, type ReconnectMode } from "./gateway.js";
import { FakeDiscordModel, MessageType, type FakeAttachment, type FakeMessage } from "./model.js";
import { FakeCommands } from "./commands.js";
import { FakeInteractions, InteractionType, type FakeInteraction, type InteractionTimes } from "./interactions.js";
import { buttonsOf } from "./message-body.js";
import { ChannelRateLimiter, GlobalRateLimiter } from "./rate-limit.js";
import { createRestHandler, type RestCall } from "./rest.js";
import { DiscordFaults } from "./faults.js";

export {
  ChannelType,
  MessageType,
  type FakeChannel,
  type FakeGuild,
  type FakeMessage,
  type FakeUser,
} from "./model.js";
export type { RestCall } from "./rest.js";
export { MESSAGE_WRITE_ROUTES, type DiscordFault } from "./faults.js";
export { Permission } from "./model.js";
export { CallbackType, InteractionType, type FakeInteraction } from "./interactions.js";
export { buttonsOf, IS_COMPONENTS_V2 } from "./message-body.js";

export interface FakeDiscordOptions {
  /** The bot token the fake accepts (REST `Authorization: Bot …` and gateway IDENTIFY). */
  token?: string;
  botName?: string;
  /** Message creates + edits allowed per channel per window (Discord: about 5 per 5 s). */
  messageRateLimit?: { limit: number; windowMs: number };
  maxContentLength?: number;
  heartbeatIntervalMs?: number;
  /** The application enabled the Message Content intent in the Developer Portal (default true). */
  messageContentIntent?: boolean;
  /** Keep every REST call in `calls` (default true; a benchmark turns it off). */
  recordCalls?: boolean;
  /** Requests per second per bot across all routes but the interaction ones (Discord: 50). */
  globalRateLimit?: number;
  /** Typing calls per channel per window (own bucket; Discord does not publish the number). */
  typingRateLimit?: { limit: number; windowMs: number };
  /** The 3 s callback deadline and the 15-minute token lifetime, shortened by tests. */
  interactionTimes?: Partial<InteractionTimes>;
}

/**
 * A Discord on 127.0.0.1 for the real discord.js: REST under `/api/v10`, the gateway at `/gateway`, attachment
 * files at `/attachments/...`, over one in-memory guild model. Point discord.js at it with
 * `rest: { api: fake.apiUrl }`.
 */
export interface FakeDiscord {
  /** For discord.js `rest.api` (no `/v10`). */
  apiUrl: string;
  baseUrl: string;
  token: string;
  model: FakeDiscordModel;
  gateway: FakeGateway;
  /** Every REST call, in order (empty when `recordCalls` is false). */
  calls: RestCall[];
  /** Paths of every attachment download, in order. */
  attachmentDownloads: string[];
  /** Everyone/here/role mentions that a message write would have notified (always kept). */
  mentionPings: MentionPing[];
  /** Every message create/edit body as sent (always kept), to check its `allowed_mentions`. */
  messageWrites: Array<{ route: string; body: unknown }>;
  /** Discord failing on purpose: `faults.fail(MESSAGE_WRITE_ROUTES, { kind: "http", status: 502 }, 5_000)`. */
  faults: DiscordFaults;
  /** How many REST calls were answered 429, whatever `recordCalls` says. */
  rateLimitedCount(): number;
  /** How many of those were the bot-wide global limit. */
  globalRateLimitedCount(): number;
  /** Registered application commands ("global" or a guild id) and every overwrite. */
  commands: FakeCommands;
  /** Every interaction, by id, with how and when it was answered. */
  interactions: FakeInteractions;
  /** A person runs `/name option:value` in a channel (INTERACTION_CREATE, type 2). */
  slashCommand(input: {
    channelId: string;
    userId: string;
    name: string;
    options?: Record<string, string | boolean>;
  }): FakeInteraction;
  /** A person types into a command option that has autocomplete (type 4). */
  autocomplete(input: {
    channelId: string;
    userId: string;
    name: string;
    options: Record<string, string>;
    focused: string;
  }): FakeInteraction;
  /** A person clicks a button on a message (type 3); throws if the message has no such enabled button. */
  clickButton(input: { messageId: string; userId: string; customId: string }): FakeInteraction;
  /** Whether "bot is typing" shows in a channel now (10 s after the last typing call, until the bot's next message). */
  botIsTyping(channelId: string): boolean;
  /** A person (or another bot) writes in a channel; mentions are parsed from `<@id>` / `<@&id>` in the text. */
  say(input: {
    channelId: string;
    authorId: string;
    content: string;
    attachments?: Omit<FakeAttachment, "id">[];
    replyTo?: string;
  }): FakeMessage;
  /** A person reacts to a message with a Unicode emoji (MESSAGE_REACTION_ADD). */
  react(input: { channelId: string; messageId: string; userId: string; emoji: string }): void;
  /** A dispatch sent as given, malformed or not, to every connected session; returns how many got it. */
  dispatchRaw(type: string, data: unknown): number;
  /** A text frame sent as is (garbage included) to every connected session; returns how many got it. */
  sendRawFrame(text: string): number;
  /** Messages the bot posted in a channel (none if there is no such channel yet), oldest first. */
  botMessages(channelId: string): FakeMessage[];
  /** Resolves when `predicate` holds, checking after every change to the model (and every 20 ms); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  forceReconnect(mode: ReconnectMode): Promise<"ready" | "resumed">;
  replayMessageCreate(messageId: string): void;
  close(): Promise<void>;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? "fake-discord-token";
  const model = new FakeDiscordModel({ username: options.botName });
  const rate = options.messageRateLimit ?? { limit: 5, windowMs: 5000 };
  const limiter = new ChannelRateLimiter(rate.limit, rate.windowMs);
  const typingRate = options.typingRateLimit ?? { limit: 5, windowMs: 5000 };
  const typingLimiter = new ChannelRateLimiter(typingRate.limit, typingRate.windowMs);
  const globalLimiter = new GlobalRateLimiter(options.globalRateLimit ?? 50);
  const maxContentLength = options.maxContentLength ?? 2000;
  const commands = new FakeCommands(model);
  const interactions = new FakeInteractions(
    model,
    commands,
    limiter,
    { responseDeadlineMs: 3000, tokenLifetimeMs: 15 * 60_000, ...options.interactionTimes },
    maxContentLength,
  );
  const calls: RestCall[] = [];
  const attachmentDownloads: string[] = [];
  const pings: MentionPing[] = [];
  const messageWrites: Array<{ route: string; body: unknown }> = [];
  const recordCalls = options.recordCalls ?? true;
  let limitedCount = 0;
  let globalLimitedCount = 0;
  let baseUrl = "";
  const faults = new DiscordFaults();

  const handleRest = createRestHandler({
    model,
    token,
    limiter,
    typingLimiter,
    globalLimiter,
    interactions,
    commands,
    baseUrl: () => baseUrl,
    gatewayUrl: () => `${baseUrl.replace(/^http/, "ws")}/gateway`,
    maxContentLength,
    onAttachment: (path) => attachmentDownloads.push(path),
    faults,
    onCall: (call) => {
      if (call.status === 429) limitedCount++;
      if (call.global) globalLimitedCount++;
      if (isMessageWrite(call.method, call.path)) {
        messageWrites.push({ route: call.route, body: call.body });
        pings.push(...mentionPings(call.route, call.body));
      }
      if (recordCalls) calls.push(call);
    },
  });
  const gateway = new FakeGateway({
    model,
    token,
    baseUrl: () => baseUrl,
    gatewayUrl: () => `${baseUrl.replace(/^http/, "ws")}/gateway`,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    allowedPrivilegedIntents: options.messageContentIntent === false ? 0 : Intent.MessageContent,
  });

  const server = createServer((req, res) => {
    handleRest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on("upgrade", (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${baseUrl}/api`,
    baseUrl,
    token,
    model,
    gateway,
    calls,
    attachmentDownloads,
    mentionPings: pings,
    messageWrites,
    faults,
    rateLimitedCount: () => limitedCount,
    globalRateLimitedCount: () => globalLimitedCount,
    commands,
    interactions,
    slashCommand({ channelId, userId, name, options: values = {} }) {
      const channel = model.requireChannel(channelId);
      const data = interactions.commandData(name, values, channel.guildId);
      const { interaction, payload } = interactions.create({
        type: InteractionType.ApplicationCommand,
        channelId,
        userId,
        data,
        name,
      });
      gateway.dispatchRaw("INTERACTION_CREATE", payload);
      return interaction;
    },
    autocomplete({ channelId, userId, name, options: values, focused }) {
      const channel = model.requireChannel(channelId);
      const data = interactions.commandData(name, values, channel.guildId, focused);
      const { interaction, payload } = interactions.create({
        type: InteractionType.Autocomplete,
        channelId,
        userId,
        data,
        name,
      });
      gateway.dispatchRaw("INTERACTION_CREATE", payload);
      return interaction;
    },
    clickButton({ messageId, userId, customId }) {
      const message = model.messages.get(messageId);
      if (!message || message.deleted) throw new Error(`fake Discord: no message ${messageId}`);
      const button = buttonsOf(message.components).find((b) => b.customId === customId);
      // Discord's client shows no button (or a greyed one) that cannot be clicked.
      if (!button || button.disabled)
        throw new Error(`fake Discord: message ${messageId} has no enabled button ${customId}`);
      const { interaction, payload } = interactions.create({
        type: InteractionType.MessageComponent,
        channelId: message.channelId,
        userId,
        data: { custom_id: customId, component_type: 2 },
        message,
      });
      gateway.dispatchRaw("INTERACTION_CREATE", payload);
      return interaction;
    },
    botIsTyping: (channelId) => model.botIsTyping(channelId),
    say: (input) => model.postMessage(input),
    react: (input) => model.addReaction(input),
    dispatchRaw: (type, data) => gateway.dispatchRaw(type, data),
    sendRawFrame: (text) => gateway.sendRawText(text),
    botMessages: (channelId) =>
      (model.channels.get(channelId)?.messages ?? []).filter(
        (m) => m.authorId === model.botUser.id && m.type !== MessageType.ThreadStarterMessage,
      ),
    waitFor(predicate, timeoutMs = 30_000, what = "condition") {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate()) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake Discord: timed out waiting for ${what}`));
        }, timeoutMs);
        // Predicates may look beyond the model (the client's cache, the adapter): look now and then as well.
        const poll = setInterval(check, 20);
        const cleanup = () => {
          clearTimeout(timer);
          clearInterval(poll);
          model.off("change", check);
        };
        model.on("change", check);
      });
    },
    forceReconnect: (mode) => gateway.forceReconnect(mode),
    replayMessageCreate(messageId) {
      const message = model.messages.get(messageId);
      if (!message) throw new Error(`fake Discord: no message ${messageId}`);
      gateway.replayMessageCreate(message);
    },
    async close() {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
