/**
 * The Slack adapter: receives events through Bolt and translates them for the core's intake (src/core/intake.ts),
 * which decides, once for every platform, what gets answered and when. Here: which events are addressed to the
 * bot (message-filter.ts), the thread a message belongs to, "stop" said or a ✋/❌ reaction on the bot's reply,
 * reading a thread into a history (thread-turn.ts), and the reply target that renders answers as mrkdwn.
 */
import type { webApi } from "@slack/bolt";
import type { AdapterCommonOptions, CoordinatorTuning } from "../../core/adapter-options.js";
import { describeError } from "../../core/describe-error.js";
import { Intake } from "../../core/intake.js";
import type { Platform, PlatformIdentity, PlatformThreads } from "../../core/platform.js";
import { budgets as defaultBudgets, type BudgetRate } from "../../reply/budget/budget.js";
import { createSlackConnection, type SlackConnection, type SlackMode } from "./connection.js";
import { parseEventBody, parseMessageEvent, parseReactionEvent, type ParsedEventBody } from "./event-shape.js";
import { SLACK, queuedItems, type QueuedSlackMessage } from "./conversation.js";
import { classifyEvent } from "./message-filter.js";
import type { NATIVE_STREAM_RATES, } from "./native-stream.js";
import type { Metrics } from "../../ops/metrics.js";
import { slackReplyTargets } from "./reply-targets.js";
import { registerSurfaces } from "./surface-handlers.js";
import { registerStopButton } from "./stop-button.js";
import { isStopReaction, isStopText } from "./stop-request.js";
import { asRepliedThread, slackSettingsKeys, storeKeys, } from "./store-keys.js";
import { usageSubcommand } from "./usage-subcommand.js";
import { settingsSubcommands } from "./settings-subcommands.js";
import { readThreadTurn } from "./thread-turn.js";
import { UserDirectory } from "./user-directory.js";

export type { QueuedSlackMessage } from "./conversation.js";

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
  /** Stream answers with Slack's chat.startStream / appendStream / stopStream where Slack allows it (default true). */
  nativeStreaming?: boolean;
  /** How long Slack keeps a native stream open (default 5 minutes; tests shorten it). */
  streamLifetimeMs?: number;
  /** Per-workspace rates of the streaming methods (default: their documented tiers, native-stream.ts). */
  streamRates?: Partial<typeof NATIVE_STREAM_RATES>;
  /** Show what the bot is doing in the thread's assistant status line (default true; quiet where Slack refuses). */
  statusLine?: boolean;
  /** Counts feedback votes (Prometheus). */
  metrics?: Pick<Metrics, "feedback">;
}

export interface SlackAdapter extends Platform {
  start(): Promise<{ mode: SlackMode; port?: number }>;
  readonly mode: SlackMode;
  /** Whether Slack is reachable right now (Socket Mode: the socket is up; HTTP: the server listens). */
  isConnected(): boolean;
}

interface SlackIdentity extends PlatformIdentity {
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
  let identity: SlackIdentity | undefined;

  async function whoAmI(context: BoltContext = {}): Promise<SlackIdentity> {
    if (identity) return identity;
    if (context.botUserId) {
      identity = { botUserId: context.botUserId, botId: context.botId, teamId: context.teamId };
      return identity;
    }
    const auth = await app.client.auth.test();
    identity = { botUserId: auth.user_id ?? "", botId: auth.bot_id, teamId: auth.team_id };
    return identity;
  }

  const { replyTarget, statusLine, reopenedReplyTarget } = slackReplyTargets({
    writeClient,
    budgets,
    updateRate,
    postRate,
    rememberReply: (channel, ts, replied) => intake.store.set(storeKeys.botReply(channel, ts), replied, intake.followTtlMs),
    options,
  });

  const threads: PlatformThreads<QueuedSlackMessage> = {
    ...SLACK,
    ...queuedItems,
    async openReplyTarget(item) {
      return reopenedReplyTarget(item.team, item.channel, item.threadTs);
    },
    // Every message of an answer is a reply in the item's thread; chat.update takes any of their ts, once a
    // native stream the crash left open is stopped.
    async reopenReplyTarget(item) {
      return reopenedReplyTarget(item.team, item.channel, item.threadTs);
    },
    async readTurn(threadKey, batch, log) {
      const newest = batch.at(-1)!;
      const status = statusLine(newest.team, newest.channel, newest.threadTs);
      await status?.reading();
      const me = await whoAmI();
      const parts = await readThreadTurn(batch, {
        client: app.client,
        directory,
        botUserId: me.botUserId,
        ...(me.botId ? { botId: me.botId } : {}),
        downloadImages: options.downloadImages ?? false,
        botToken: options.botToken,
        ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
        ...(options.maxImages !== undefined ? { maxImages: options.maxImages } : {}),
        ...(options.maxImageBytes !== undefined ? { maxImageBytes: options.maxImageBytes } : {}),
        ...(options.textFiles ? { textFiles: options.textFiles } : {}),
        ...(options.historyCharBudget !== undefined ? { historyCharBudget: options.historyCharBudget } : {}),
        ...(options.maxMessageChars !== undefined ? { maxMessageChars: options.maxMessageChars } : {}),
        logger: log.child({ ts: newest.ts }),
      });
      const replied = { threadKey, team: newest.team, channel: newest.channel, threadTs: newest.threadTs };
      // A person's message is streamed to them natively; another bot's is answered by post + edit.
      const recipient = newest.botId ? undefined : newest.user;
      const target = replyTarget(newest.team, newest.channel, newest.threadTs, replied, recipient, status);
      return { ...parts, target, settingsKeys: slackSettingsKeys(newest.team, newest.channel) };
    },
  };

  const intake = new Intake<QueuedSlackMessage>(threads, options, logger);

  /** The event checked against its shape (event-shape.ts); a malformed one is logged at debug and dropped. */
  function wellFormed<T>(parsed: { ok: true; value: T } | { ok: false; problem: string }, body: ParsedEventBody): T | undefined {
    if (parsed.ok) return parsed.value;
    logger.debug({ eventId: body.event_id, problem: parsed.problem }, "Malformed Slack event ignored");
    return undefined;
  }

  async function onMessage(rawEvent: unknown, rawBody: unknown, context: BoltContext): Promise<void> {
    const body = parseEventBody(rawBody);
    const event = wellFormed(parseMessageEvent(rawEvent), body);
    if (!event) return;
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
    if (verdict.kind === "dm" && threadTs !== ts) intake.track(titleAssistantThread(channel, threadTs, event.text ?? "", log));
    const common = {
      threadKey: storeKeys.thread(team, channel, threadTs),
      ...(verdict.kind === "followup" ? { followedKey: storeKeys.followed(team, channel, threadTs) } : {}),
      access: { platform: "slack" as const, userId: event.user ?? event.bot_id ?? "", channelId: channel },
      openReplyTarget: () => replyTarget(team, channel, threadTs),
      log,
    };
    // One answer per Slack message: redeliveries (same event_id) and the app_mention + message pair both land here.
    const messageKey = storeKeys.handled(team, channel, ts);
    if (isStopText(event.text, me.botUserId)) {
      await intake.stop({ ...common, claim: { key: messageKey } });
      return;
    }
    await intake.message({
      ...common,
      kind: verdict.kind,
      messageKey,
      remember: [[storeKeys.followed(team, channel, threadTs), true]],
      item: {
        team,
        channel,
        threadTs,
        ts,
        ...(event.user ? { user: event.user } : {}),
        ...(event.bot_id ? { botId: event.bot_id } : {}),
        text: event.text ?? "",
        files: event.files ?? [],
      },
    });
  }

  async function onReaction(rawEvent: unknown, rawBody: unknown, context: BoltContext): Promise<void> {
    const body = parseEventBody(rawBody);
    const event = wellFormed(parseReactionEvent(rawEvent), body);
    if (!event) return;
    const { channel, ts } = event.item;
    if (!isStopReaction(event.reaction) || event.item.type !== "message" || !channel || !ts) return;
    const me = await whoAmI(context);
    if (event.user === me.botUserId || (event.item_user && event.item_user !== me.botUserId)) return;
    const log = logger.child({ eventId: body.event_id, channel, ts, reaction: event.reaction });
    const replied = asRepliedThread(await intake.store.get(storeKeys.botReply(channel, ts)));
    if (!replied) {
      log.debug("Stop reaction on a message that is not one of the bot's answers; ignored");
      return;
    }
    await intake.stop({
      threadKey: replied.threadKey,
      access: { platform: "slack", userId: event.user, channelId: channel },
      openReplyTarget: () => replyTarget(replied.team, replied.channel, replied.threadTs),
      log,
    });
  }

  // Listeners return at once (Bolt has acked already); the work goes on, tracked for shutdown.
  app.event("app_mention", async ({ event, body, context }) => {
    intake.track(onMessage(event, body, context));
  });
  app.event("message", async ({ event, body, context }) => {
    intake.track(onMessage(event, body, context));
  });
  app.event("reaction_added", async ({ event, body, context }) => {
    intake.track(onReaction(event, body, context));
  });
  /** The assistant panel opened: a thread in the DM with the app, offered a few prompts (Slack: up to four). */
  const { titleAssistantThread } = registerSurfaces({
    app,
    writeClient,
    intake,
    logger,
    replyTarget,
    whoAmI,
    postBudget: (team, channel) => budgets.forScope(`slack:${team}:${channel}:chat.postMessage`, postRate),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    subcommands: [
      usageSubcommand({ ...(options.usage ? { usage: options.usage } : {}), ...(options.gate ? { gate: options.gate } : {}) }),
      ...settingsSubcommands({
        store: intake.store,
        client: writeClient,
        ...(options.models ? { models: options.models } : {}),
        ...(options.gate ? { gate: options.gate } : {}),
        logger,
      }),
    ],
  });
  registerStopButton({ app, readClient: app.client, writeClient, intake, logger, replyTarget });
  app.error(async (error) => {
    logger.error({ err: describeError(error) }, "Slack app error");
  });

  return {
    ...SLACK,
    mode: connection.mode,
    isConnected: () => connection.isConnected(),
    health: () => (connection.isConnected() ? { ok: true } : { ok: false, detail: "not connected to Slack" }),
    identity: () => whoAmI(),
    async start() {
      const started = await connection.start();
      logger.info({ mode: started.mode, port: started.port }, "Slack adapter started");
      intake.startResuming();
      return started;
    },
    async stop(graceMs = 30_000) {
      await connection.stop();
      await intake.drain(graceMs);
      logger.info("Slack adapter stopped");
    },
    whenIdle: () => intake.whenIdle(),
  };
}
