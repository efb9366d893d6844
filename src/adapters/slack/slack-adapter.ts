/**
 * The Slack adapter: receives events through Bolt, decides which deserve an answer, reads the thread into the
 * shared history, fetches the answered message's images, and hands the turn to the core with a Slack reply
 * target. Each Slack message is answered at most once, across redeliveries and restarts (claimed in the store).
 */
import type { Logger } from "pino";
import type { webApi } from "@slack/bolt";
import type { ConversationTurn } from "../../core/answer.js";
import type { HistoryMessage } from "../../history/types.js";
import { budgets as defaultBudgets, type BudgetRate, type BudgetRegistry } from "../../reply/budget.js";
import type { StateStore } from "../../store/types.js";
import { createSlackConnection, type SlackConnection, type SlackMode } from "./connection.js";
import { classifyEvent, type SlackMessageEvent } from "./event-filter.js";
import { readThread, toHistory, type SlackFile, type ThreadMessage } from "./history-reader.js";
import { fetchImages } from "./image-fetch.js";
import { SlackReplyTarget } from "./reply-target.js";
import { slackToPlainText } from "./slack-text.js";
import { UserDirectory } from "./user-directory.js";

export type SlackTurn = ConversationTurn;

/** The core's Answerer (src/core/answer.ts), or anything that answers a turn the same way. */
export interface TurnAnswerer {
  /** Builds the prompt, streams the answer into the target; never throws. */
  answer(turn: ConversationTurn): Promise<unknown>;
}

export interface SlackAdapterOptions {
  /** SLACK_BOT_TOKEN (xoxb-). */
  botToken: string;
  /** SLACK_APP_TOKEN (xapp-): Socket Mode. */
  appToken?: string;
  /** SLACK_SIGNING_SECRET: HTTP Events API when there is no app token. */
  signingSecret?: string;
  /** SLACK_API_URL (default https://slack.com/api/). */
  apiUrl?: string;
  /** SLACK_PORT: HTTP mode only. */
  port?: number;
  /** ANSWER_THREAD_FOLLOWUPS (default true). */
  answerThreadFollowUps?: boolean;
  /** ANSWER_OTHER_BOTS (default false). */
  answerOtherBots?: boolean;
  /** COPILOT_VISION: download the answered message's images for the model (default false). */
  downloadImages?: boolean;
  answerer: TurnAnswerer;
  store: StateStore;
  logger: Logger;
  budgets?: BudgetRegistry;
  /** chat.update per workspace (default 50 per minute). */
  updateRate?: BudgetRate;
  /** chat.postMessage per channel (default 1 per second). */
  postRate?: BudgetRate;
  maxMessageLength?: number;
  /** How long handled messages are remembered (default 24 h). */
  handledTtlMs?: number;
  /** How long a thread the bot answered in stays "followed" (default 7 days). */
  followTtlMs?: number;
  /** Web API read retries (tests: `{ retries: 0 }`). */
  retryConfig?: webApi.RetryOptions;
  maxImages?: number;
  maxImageBytes?: number;
}

export interface SlackAdapter {
  start(): Promise<{ mode: SlackMode; port?: number }>;
  /** Stops receiving, lets running answers finish for up to `graceMs`, then aborts them. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no answer is running (tests, shutdown). */
  whenIdle(): Promise<void>;
  readonly mode: SlackMode;
}

const DAY_MS = 24 * 60 * 60_000;

interface Identity {
  botUserId: string;
  botId?: string;
  teamId?: string;
}

export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const logger = options.logger.child({ platform: "slack" });
  const connection: SlackConnection = createSlackConnection({
    botToken: options.botToken,
    appToken: options.appToken,
    signingSecret: options.signingSecret,
    apiUrl: options.apiUrl,
    port: options.port,
    retryConfig: options.retryConfig,
    logger,
  });
  const { app, writeClient } = connection;
  const directory = new UserDirectory(app.client, logger);
  const budgets = options.budgets ?? defaultBudgets;
  const updateRate = options.updateRate ?? { calls: 50, perMs: 60_000 };
  const postRate = options.postRate ?? { calls: 1, perMs: 1_000 };
  const running = new Set<Promise<void>>();
  const shutdown = new AbortController();
  let identity: Identity | undefined;

  async function whoAmI(context: { botUserId?: string; botId?: string; teamId?: string }): Promise<Identity> {
    if (context.botUserId) return { botUserId: context.botUserId, botId: context.botId, teamId: context.teamId };
    if (!identity) {
      const auth = await app.client.auth.test();
      identity = { botUserId: auth.user_id ?? "", botId: auth.bot_id, teamId: auth.team_id };
    }
    return identity;
  }

  async function onEvent(
    event: SlackMessageEvent & { files?: SlackFile[] },
    body: { team_id?: string; event_id?: string },
    context: { botUserId?: string; botId?: string; teamId?: string; retryNum?: number },
  ): Promise<void> {
    const me = await whoAmI(context);
    const verdict = classifyEvent(event, {
      botUserId: me.botUserId,
      botId: me.botId,
      answerOtherBots: options.answerOtherBots ?? false,
      answerThreadFollowUps: options.answerThreadFollowUps ?? true,
    });
    const log = logger.child({ eventId: body.event_id, channel: event.channel, ts: event.ts, retry: context.retryNum });
    if (verdict.kind === "ignore") {
      log.trace({ reason: verdict.reason }, "Slack event ignored");
      return;
    }
    const team = body.team_id ?? event.team ?? me.teamId ?? "unknown";
    const { channel, ts, threadTs } = verdict;
    const threadKey = `slack:${team}:${channel}:${threadTs}`;
    const followKey = `slack:followed:${team}:${channel}:${threadTs}`;
    if (verdict.kind === "followup" && !(await options.store.get<boolean>(followKey))) {
      log.trace("Thread reply in a thread the bot has not answered in; ignored");
      return;
    }
    // One answer per Slack message: redeliveries (same event_id) and the app_mention + message pair both land here.
    if (!(await options.store.claimOnce(`slack:handled:${team}:${channel}:${ts}`, options.handledTtlMs ?? DAY_MS))) {
      log.info({ kind: verdict.kind }, "Slack message already handled; not answering again");
      return;
    }
    await options.store.set(followKey, true, options.followTtlMs ?? 7 * DAY_MS);
    log.info({ kind: verdict.kind }, "Answering a Slack message");

    const { history, files } = await buildHistory(event, channel, threadTs, ts, me, log);
    const images =
      options.downloadImages && files.length > 0
        ? await fetchImages(files, {
            botToken: options.botToken,
            apiUrl: options.apiUrl,
            maxCount: options.maxImages,
            maxBytes: options.maxImageBytes,
            logger: log,
          })
        : [];
    const target = new SlackReplyTarget({
      client: writeClient,
      channel,
      threadTs,
      budget: budgets.forScope(`slack:${team}:chat.update`, updateRate),
      postBudget: budgets.forScope(`slack:${team}:${channel}:chat.postMessage`, postRate),
      maxMessageLength: options.maxMessageLength,
    });
    await options.answerer.answer({ platform: "slack", threadKey, history, images, target, signal: shutdown.signal });
  }

  /** The thread as history; if Slack cannot give it, the answered message alone (an answer beats none). */
  async function buildHistory(
    event: SlackMessageEvent & { files?: SlackFile[] },
    channel: string,
    threadTs: string,
    ts: string,
    me: Identity,
    log: Logger,
  ): Promise<{ history: HistoryMessage[]; files: SlackFile[] }> {
    let messages: ThreadMessage[] = [];
    try {
      messages = await readThread(app.client, channel, threadTs);
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not read the Slack thread; answering the message alone");
    }
    const { history, answered } = await toHistory(messages, ts, { botUserId: me.botUserId, botId: me.botId, directory });
    if (answered) return { history, files: answered.files ?? [] };
    // Not in the thread (yet): build it from the event itself.
    const speaker = event.user ? await directory.userName(event.user) : "";
    const files = event.files ?? [];
    history.push({
      role: "user",
      speaker,
      text: slackToPlainText(event.text ?? "", me.botUserId),
      imageCount: files.filter((f) => f.mimetype?.startsWith("image/")).length,
      ...(event.bot_id ? { isBot: true } : {}),
    });
    return { history, files };
  }

  function track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      logger.error({ err: describeError(error) }, "Handling a Slack event failed");
    });
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
  }

  // Listeners return at once (Bolt has acked already); the answer runs on, tracked for shutdown.
  app.event("app_mention", async ({ event, body, context }) => {
    track(onEvent(event as SlackMessageEvent, body, context));
  });
  app.event("message", async ({ event, body, context }) => {
    track(onEvent(event as SlackMessageEvent, body, context));
  });
  app.error(async (error) => {
    logger.error({ err: describeError(error) }, "Slack app error");
  });

  async function whenIdle(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running]);
  }

  return {
    mode: connection.mode,
    async start() {
      const started = await connection.start();
      logger.info({ mode: started.mode, port: started.port }, "Slack adapter started");
      return started;
    },
    async stop(graceMs = 30_000) {
      await connection.stop();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([whenIdle(), graceOver]);
      clearTimeout(timer);
      shutdown.abort();
      await whenIdle();
      logger.info("Slack adapter stopped");
    },
    whenIdle,
  };
}

function describeError(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  if (data?.error) return data.error;
  return error instanceof Error ? error.message : String(error);
}
