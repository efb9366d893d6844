/**
 * The Slack adapter: receives events through Bolt, decides which deserve an answer, checks them against the
 * safety gate and hands them to the thread coordinator, which answers one thread at a time: messages that
 * arrive while the bot answers wait, and are answered together by the next run. Each Slack message is answered
 * at most once, across redeliveries and restarts (claimed in the store). "stop" or a ✋/❌ reaction on the
 * bot's reply stops the thread's running answer.
 */
import type { Logger } from "pino";
import type { webApi } from "@slack/bolt";
import type { ConversationTurn } from "../../core/answer.js";
import type { AdapterCommonOptions, AdapterRequestGate, CoordinatorTuning } from "../../core/adapter-options.js";
import { RunningWork, idleWithin } from "../../core/running-work.js";
import { ThreadCoordinator } from "../../core/thread-coordinator.js";
import { budgets as defaultBudgets, type BudgetRate } from "../../reply/budget.js";
import type { AccessRequest } from "../../safety/access.js";
import { requireQueues } from "../../store/require-queues.js";
import { createSlackConnection, type SlackConnection, type SlackMode } from "./connection.js";
import { classifyEvent } from "./event-filter.js";
import { parseEventBody, parseMessageEvent, parseReactionEvent } from "./event-shape.js";
import { compareTs } from "./history-reader.js";
import { SlackReplyTarget } from "./reply-target.js";
import { isStopReaction, isStopText } from "./stop-request.js";
import { buildThreadTurn, describeError, type QueuedSlackMessage } from "./thread-turn.js";
import { UserDirectory } from "./user-directory.js";

export type SlackTurn = ConversationTurn;
export type { QueuedSlackMessage } from "./thread-turn.js";
export type { TurnAnswerer } from "../../core/adapter-options.js";

/** The safety gate as the Slack adapter calls it. */
export type SlackRequestGate = AdapterRequestGate;

/** Tuning of the per-thread coordinator (src/core/thread-coordinator.ts); the defaults suit production. */
export type SlackCoordinatorOptions = CoordinatorTuning<QueuedSlackMessage>;

export interface SlackAdapterOptions extends AdapterCommonOptions<QueuedSlackMessage> {
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
  /** chat.update per workspace (default 50 per minute). */
  updateRate?: BudgetRate;
  /** chat.postMessage per channel (default 1 per second). */
  postRate?: BudgetRate;
  /** Web API read retries (tests: `{ retries: 0 }`). */
  retryConfig?: webApi.RetryOptions;
}

export interface SlackAdapter {
  start(): Promise<{ mode: SlackMode; port?: number }>;
  /** Stops receiving, lets running answers finish for up to `graceMs`, then aborts them. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no answer is running (tests, shutdown). */
  whenIdle(): Promise<void>;
  readonly mode: SlackMode;
  /** Whether Slack is reachable right now (Socket Mode: the socket is up; HTTP: the server listens). */
  isConnected(): boolean;
}

const DAY_MS = 24 * 60 * 60_000;
const PREPARE_FAILED = "Sorry, I could not reach Slack to read this thread; please try again in a minute.";

interface Identity {
  botUserId: string;
  botId?: string;
  teamId?: string;
}

interface BoltContext {
  botUserId?: string;
  botId?: string;
  teamId?: string;
  retryNum?: number;
}

export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const logger = options.logger.child({ platform: "slack" });
  const store = requireQueues(options.store, "The Slack adapter");
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
  const followTtlMs = options.followTtlMs ?? 7 * DAY_MS;
  // Event handlers (they end once the message is queued); the answers run in the coordinator.
  const work = new RunningWork((error) => logger.error({ err: describeError(error) }, "Handling a Slack event failed"));
  let stopping = false;
  let identity: Identity | undefined;

  const coordinator = new ThreadCoordinator<QueuedSlackMessage>({
    ...options.coordinator,
    store,
    logger,
    run: (threadKey, items, signal) => answerThread(threadKey, items, signal),
  });

  async function whoAmI(context: BoltContext): Promise<Identity> {
    if (identity) return identity;
    if (context.botUserId) {
      identity = { botUserId: context.botUserId, botId: context.botId, teamId: context.teamId };
      return identity;
    }
    const auth = await app.client.auth.test();
    identity = { botUserId: auth.user_id ?? "", botId: auth.bot_id, teamId: auth.team_id };
    return identity;
  }

  function replyTarget(team: string, channel: string, threadTs: string, threadKey?: string): SlackReplyTarget {
    return new SlackReplyTarget({
      client: writeClient,
      channel,
      threadTs,
      budget: budgets.forScope(`slack:${team}:chat.update`, updateRate),
      postBudget: budgets.forScope(`slack:${team}:${channel}:chat.postMessage`, postRate),
      maxMessageLength: options.maxMessageLength,
      // Remember which thread each reply belongs to: a stop reaction names only the message.
      ...(threadKey ? { onPosted: (ts: string) => store.set(replyKey(channel, ts), threadKey, followTtlMs) } : {}),
    });
  }

  /**
   * The gate's verdict; on a refusal, its one sentence goes into the thread (unless silenced). An access refusal
   * is said once per person and thread: someone outside the allow-list talking in a thread the bot follows
   * must not get the sentence after every message.
   */
  async function admitted(request: AccessRequest, place: { team: string; channel: string; threadTs: string }, log: Logger): Promise<boolean> {
    const decision = options.gate?.check(request);
    if (!decision || decision.allowed) return true;
    log.info({ because: decision.because }, "Slack request refused by the safety gate");
    const refusalKey = `slack:refused:${place.team}:${place.channel}:${place.threadTs}:${request.userId}`;
    if (decision.reply && (decision.because !== "access" || (await store.claimOnce(refusalKey, followTtlMs)))) {
      const target = replyTarget(place.team, place.channel, place.threadTs);
      await target.post(target.render(decision.reply)).catch((error: unknown) => {
        log.warn({ err: describeError(error) }, "Could not post the refusal in Slack");
      });
    }
    return false;
  }

  async function onMessage(rawEvent: unknown, rawBody: unknown, context: BoltContext): Promise<void> {
    const body = parseEventBody(rawBody);
    const parsed = parseMessageEvent(rawEvent);
    if (!parsed.ok) {
      logger.debug({ eventId: body.event_id, problem: parsed.problem }, "Malformed Slack event ignored");
      return;
    }
    const event = parsed.value;
    const me = await whoAmI(context);
    const verdict = classifyEvent(event, {
      botUserId: me.botUserId,
      botId: me.botId,
      answerOtherBots: options.answerOtherBots ?? false,
      answerThreadFollowUps: options.answerThreadFollowUps ?? true,
    });
    const log = logger.child({ eventId: body.event_id, channel: event.channel, ts: event.ts, retry: context.retryNum });
    if (verdict.kind === "ignore") {
      if (verdict.reason === "no channel or ts") log.debug({ type: event.type }, "Malformed Slack event ignored");
      else log.trace({ reason: verdict.reason }, "Slack event ignored");
      return;
    }
    const team = body.team_id ?? event.team ?? me.teamId ?? "unknown";
    const { channel, ts, threadTs } = verdict;
    const threadKey = `slack:${team}:${channel}:${threadTs}`;
    const followKey = `slack:followed:${team}:${channel}:${threadTs}`;
    if (verdict.kind === "followup" && !(await store.get<boolean>(followKey))) {
      log.trace("Thread reply in a thread the bot has not answered in; ignored");
      return;
    }
    // One answer per Slack message: redeliveries (same event_id) and the app_mention + message pair both land here.
    if (!(await store.claimOnce(`slack:handled:${team}:${channel}:${ts}`, options.handledTtlMs ?? DAY_MS))) {
      log.info({ kind: verdict.kind }, "Slack message already handled; not answering again");
      return;
    }
    const request = { platform: "slack" as const, userId: event.user ?? event.bot_id ?? "", channelId: channel };
    if (!(await admitted(request, { team, channel, threadTs }, log))) return;

    if (isStopText(event.text, me.botUserId)) {
      const here = await coordinator.stop(threadKey);
      log.info({ thread: threadKey, runningHere: here }, "Stop asked for the thread's answer");
      return;
    }
    if (stopping) {
      log.warn("The Slack adapter is stopping; message not answered");
      return;
    }
    await store.set(followKey, true, followTtlMs);
    const item: QueuedSlackMessage = {
      team,
      channel,
      threadTs,
      ts,
      ...(event.user ? { user: event.user } : {}),
      ...(event.bot_id ? { botId: event.bot_id } : {}),
      text: event.text ?? "",
      files: event.files ?? [],
    };
    const outcome = await coordinator.submit(threadKey, item);
    log.info(
      { kind: verdict.kind, thread: threadKey },
      outcome === "started" ? "Answering a Slack message" : "Slack message queued behind the thread's running answer",
    );
  }

  async function onReaction(rawEvent: unknown, rawBody: unknown, context: BoltContext): Promise<void> {
    const body = parseEventBody(rawBody);
    const parsed = parseReactionEvent(rawEvent);
    if (!parsed.ok) {
      logger.debug({ eventId: body.event_id, problem: parsed.problem }, "Malformed Slack event ignored");
      return;
    }
    const event = parsed.value;
    const { channel, ts } = event.item;
    if (!isStopReaction(event.reaction) || event.item.type !== "message" || !channel || !ts) return;
    const me = await whoAmI(context);
    if (event.user === me.botUserId || (event.item_user && event.item_user !== me.botUserId)) return;
    const log = logger.child({ eventId: body.event_id, channel, ts, reaction: event.reaction });
    const threadKey = await store.get<string>(replyKey(channel, ts));
    if (typeof threadKey !== "string") {
      log.debug("Stop reaction on a message that is not one of the bot's answers; ignored");
      return;
    }
    const team = body.team_id ?? me.teamId ?? "unknown";
    const threadTs = threadKey.split(":").at(-1) ?? ts;
    if (!(await admitted({ platform: "slack", userId: event.user, channelId: channel }, { team, channel, threadTs }, log))) return;
    const here = await coordinator.stop(threadKey);
    log.info({ thread: threadKey, runningHere: here }, "Stop asked for the thread's answer");
  }

  /** One coordinator run: the thread's waiting messages, answered together (the newest is the question). */
  async function answerThread(threadKey: string, items: QueuedSlackMessage[], signal: AbortSignal): Promise<void> {
    const batch = items.filter(isQueuedMessage).sort((a, b) => compareTs(a.ts, b.ts));
    const newest = batch.at(-1);
    if (!newest) {
      logger.warn({ thread: threadKey }, "A thread run had no readable message; nothing to answer");
      return;
    }
    const log = logger.child({ thread: threadKey, ts: newest.ts, batch: batch.length });
    const target = replyTarget(newest.team, newest.channel, newest.threadTs, threadKey);
    let parts: Awaited<ReturnType<typeof buildThreadTurn>>;
    try {
      parts = await prepareTurn(batch, log);
    } catch (error) {
      // Nothing reached the model; the people waiting in the thread still hear what happened.
      log.error({ err: describeError(error) }, "Could not prepare the Slack thread for an answer");
      await target.post(target.render(PREPARE_FAILED)).catch(() => undefined);
      return;
    }
    if (batch.length > 1) log.info("Answering the thread's waiting messages together");
    await options.answerer.answer({ platform: "slack", threadKey, ...parts, target, signal });
  }

  async function prepareTurn(batch: QueuedSlackMessage[], log: Logger) {
    const me = await whoAmI({});
    return buildThreadTurn(batch, {
      client: app.client,
      directory,
      botUserId: me.botUserId,
      ...(me.botId ? { botId: me.botId } : {}),
      downloadImages: options.downloadImages ?? false,
      botToken: options.botToken,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      ...(options.maxImages !== undefined ? { maxImages: options.maxImages } : {}),
      ...(options.maxImageBytes !== undefined ? { maxImageBytes: options.maxImageBytes } : {}),
      ...(options.historyCharBudget !== undefined ? { historyCharBudget: options.historyCharBudget } : {}),
      ...(options.maxMessageChars !== undefined ? { maxMessageChars: options.maxMessageChars } : {}),
      logger: log,
    });
  }

  // Listeners return at once (Bolt has acked already); the work goes on, tracked for shutdown.
  app.event("app_mention", async ({ event, body, context }) => {
    work.track(onMessage(event, body, context));
  });
  app.event("message", async ({ event, body, context }) => {
    work.track(onMessage(event, body, context));
  });
  app.event("reaction_added", async ({ event, body, context }) => {
    work.track(onReaction(event, body, context));
  });
  app.error(async (error) => {
    logger.error({ err: describeError(error) }, "Slack app error");
  });

  async function whenIdle(): Promise<void> {
    do {
      await work.whenIdle();
      await coordinator.idle();
    } while (work.size > 0);
  }

  return {
    mode: connection.mode,
    isConnected: () => connection.isConnected(),
    async start() {
      const started = await connection.start();
      logger.info({ mode: started.mode, port: started.port }, "Slack adapter started");
      return started;
    },
    async stop(graceMs = 30_000) {
      stopping = true;
      await connection.stop();
      await idleWithin(graceMs, whenIdle);
      // Aborts what still runs (the replies say they were stopped) and releases the threads' locks.
      await coordinator.close();
      await work.drain(0);
      logger.info("Slack adapter stopped");
    },
    whenIdle,
  };
}

/** Which thread a reply of the bot belongs to (channel ids are unique, so no team is needed). */
function replyKey(channel: string, ts: string): string {
  return `slack:reply:${channel}:${ts}`;
}

/** Queue items come back from the store; one written by another version must not break the run. */
function isQueuedMessage(item: unknown): item is QueuedSlackMessage {
  const m = item as Partial<QueuedSlackMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.team === "string" &&
    typeof m.channel === "string" &&
    typeof m.threadTs === "string" &&
    typeof m.ts === "string" &&
    typeof m.text === "string" &&
    Array.isArray(m.files)
  );
}
