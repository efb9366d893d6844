/**
 * The web chat adapter: a page served by the bot itself (connection.ts), where each conversation is a thread.
 * It translates the page's requests for the core's intake (src/core/intake.ts), which decides, once for every
 * platform, what gets answered and when; reads a conversation from the store into a history (thread-turn.ts);
 * and opens reply targets that keep answers in the store and push them to the page (reply-target.ts). The
 * answer streams through the same streamer as on Slack and Discord, paced to what a page can show.
 */
import type { AdapterCommonOptions, TurnAnswerer } from "../../core/adapter-options.js";
import { describeError } from "../../core/describe-error.js";
import { Intake } from "../../core/intake.js";
import type { Platform, PlatformThreads } from "../../core/platform.js";
import type { Metrics } from "../../ops/metrics.js";
import { budgets as defaultBudgets, type BudgetRate } from "../../reply/budget/budget.js";
import { FileStore } from "./attachments.js";
import { WebAuth } from "./auth.js";
import { startWebServer, type WebServer } from "./connection.js";
import { ConversationStore, summaryOf } from "./conversation-store.js";
import { webApiRoutes } from "./http-api.js";
import { LiveUpdates } from "./live-updates.js";
import { WEB_DISPLAY_RATE, WebReplyTarget } from "./reply-target.js";
import { isStopText, stopRequest } from "./stop-request.js";
import { conversationIdOf, storeKeys } from "./store-keys.js";
import { queuedItems, WEB, type QueuedWebMessage } from "./conversation.js";
import { readThreadTurn } from "./thread-turn.js";

export interface WebAdapterOptions extends AdapterCommonOptions<QueuedWebMessage> {
  /** WEB_CHAT_PORT; 0 picks a free port. */
  port: number;
  /** WEB_CHAT_HOST (default 127.0.0.1). */
  host?: string;
  /** WEB_CHAT_TOKEN: the page must present it once (required by the configuration off loopback). */
  token?: string;
  /** Updates per conversation a page is sent at most (default 10 a second). */
  displayRate?: BudgetRate;
  /** 👍/👎 are counted here. */
  metrics?: Metrics;
}

export interface WebAdapter extends Platform {
  start(): Promise<{ url: string; host: string; port: number }>;
  /** Where the chat is, once started. */
  readonly url: string | undefined;
}

const BOT_IDENTITY = { botUserId: "threadpilot", botName: "threadpilot" };

export function createWebAdapter(options: WebAdapterOptions): WebAdapter {
  const logger = options.logger.child({ platform: "web" });
  const host = options.host ?? "127.0.0.1";
  const conversations = new ConversationStore(options.store);
  const files = new FileStore(options.store, options.maxImageBytes);
  const live = new LiveUpdates();
  const auth = new WebAuth(options.token);
  // A page's display rate is per conversation and per process: no replica shares it, so no store is asked.
  const budgets = options.budgets ?? defaultBudgets;
  const rate = options.displayRate ?? WEB_DISPLAY_RATE;
  const running = new Set<string>();
  let server: WebServer | undefined;

  const replyTarget = (conversationId: string, owner: string) =>
    new WebReplyTarget({
      conversations,
      live,
      conversationId,
      owner,
      budget: budgets.forScope(`web:conversation:${conversationId}`, rate),
      ...(options.maxMessageLength !== undefined ? { maxMessageLength: options.maxMessageLength } : {}),
    });

  // The page shows Stop while an answer runs: the core's answerer, told around each run.
  const answerer: TurnAnswerer = {
    async answer(turn) {
      const conversationId = conversationIdOf(turn.threadKey);
      const owner = await conversations.get(conversationId).then((c) => c?.owner, () => undefined);
      running.add(conversationId);
      if (owner) live.publish(owner, { type: "running", conversationId, running: true });
      try {
        return await options.answerer.answer(turn);
      } finally {
        running.delete(conversationId);
        if (owner) live.publish(owner, { type: "running", conversationId, running: false });
      }
    },
  };

  const threads: PlatformThreads<QueuedWebMessage> = {
    ...WEB,
    ...queuedItems,
    async openReplyTarget(item) {
      return replyTarget(item.conversationId, item.userId);
    },
    // A web reply's messages live in its conversation, edited and deleted by id: the conversation's target reaches them.
    async reopenReplyTarget(item) {
      return replyTarget(item.conversationId, item.userId);
    },
    async readTurn(_threadKey, batch, log) {
      return readThreadTurn(batch, {
        conversations,
        files,
        replyTarget,
        downloadImages: options.downloadImages ?? false,
        ...(options.maxImages !== undefined ? { maxImages: options.maxImages } : {}),
        ...(options.maxImageBytes !== undefined ? { maxImageBytes: options.maxImageBytes } : {}),
        ...(options.historyCharBudget !== undefined ? { historyCharBudget: options.historyCharBudget } : {}),
        ...(options.maxMessageChars !== undefined ? { maxMessageChars: options.maxMessageChars } : {}),
        logger: log,
      });
    },
  };

  // The intake gets the wrapped answerer, so the page learns when an answer runs.
  const intake = new Intake<QueuedWebMessage>(threads, { ...options, answerer }, logger);

  const routes = webApiRoutes({
    conversations,
    files,
    live,
    isRunning: (conversationId) => running.has(conversationId),
    async send(userId, conversation, posted, attachments) {
      const stored = await conversations.appendUserMessage(conversation.id, { id: posted.id, text: posted.text, attachments });
      if (stored.created) {
        live.publish(userId, { type: "message", conversationId: conversation.id, message: stored.message });
        live.publish(userId, { type: "conversation", conversation: summaryOf(stored.conversation) });
      }
      const log = logger.child({ conversation: conversation.id, messageId: posted.id });
      const messageKey = storeKeys.handled(conversation.id, posted.id);
      const openReplyTarget = () => replyTarget(conversation.id, userId);
      if (attachments.length === 0 && isStopText(posted.text)) {
        await intake.stop(stopRequest({ conversationId: conversation.id, userId, openReplyTarget, log, claimKey: messageKey }));
        return stored.message;
      }
      // A retried POST comes here again: the intake's claim on the client's message id answers it once.
      const handling = intake.message({
        kind: "message",
        messageKey,
        threadKey: storeKeys.thread(conversation.id),
        access: { platform: "web", userId, channelId: conversation.id },
        openReplyTarget,
        item: { conversationId: conversation.id, messageId: stored.message.id, seq: stored.message.seq, userId },
        log,
      });
      intake.track(handling);
      await handling.catch(() => undefined);
      return stored.message;
    },
    async stop(userId, conversationId) {
      const log = logger.child({ conversation: conversationId });
      await intake.stop(stopRequest({ conversationId, userId, openReplyTarget: () => replyTarget(conversationId, userId), log }));
    },
    rated(rating, previous) {
      if (rating && rating !== previous) options.metrics?.feedback("web", rating);
    },
  });

  return {
    ...WEB,
    get url() {
      return server?.url;
    },
    health: () => (server?.listening ? { ok: true } : { ok: false, detail: "the web chat is not listening" }),
    identity: async () => BOT_IDENTITY,
    async start() {
      server = await startWebServer({
        host,
        port: options.port,
        auth,
        routes,
        maxUploadBytes: files.maxBytes,
        logger,
      });
      logger.info({ url: server.url, token: auth.tokenRequired }, "Web chat listening");
      // Answers a restart cut short, and questions left queued, are picked up once the page can be served.
      intake.startResuming();
      return { url: server.url, host, port: server.port };
    },
    async stop(graceMs = 30_000) {
      server?.stopListening();
      try {
        await intake.drain(graceMs);
      } catch (error) {
        logger.warn({ err: describeError(error) }, "The web chat's answers did not drain cleanly");
      }
      live.close();
      await server?.close();
      logger.info("Web chat stopped");
    },
    whenIdle: () => intake.whenIdle(),
  };
}
