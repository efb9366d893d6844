/**
 * The Bolt app and its connection to Slack: Socket Mode when an app token is given (no public URL needed), else
 * the HTTP Events API with signature verification. SLACK_API_URL points the Web API, and Socket Mode's
 * apps.connections.open, somewhere else (enterprise proxies, GovSlack, tests).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  App,
  LogLevel,
  SocketModeReceiver,
  defaultProcessEventErrorHandler,
  webApi,
  type Logger as BoltLogger,
  type SocketModeReceiverProcessEventErrorHandlerArgs,
} from "@slack/bolt";
import type { Logger } from "pino";
import { listenFailure } from "../../startup/listen-failure.js";
import { guardBroadcastMentions } from "./broadcast-mentions.js";
import { watchConnectionsOpen } from "./connections-open-watch.js";
import { createHttpReceiver } from "./http-receiver.js";
import { appTokenFailure, appTokenRefusal, botTokenFailure, isTransientSlackError } from "./startup-errors.js";

export interface SlackConnectionOptions {
  botToken: string;
  /** xapp- token: Socket Mode. */
  appToken?: string;
  /** HTTP Events API (used when there is no app token). */
  signingSecret?: string;
  /** Base of the Web API, ending in `/api/` (default Slack's own). */
  apiUrl?: string;
  /** HTTP mode: where Bolt listens for POST /slack/events (0 = any free port). */
  port?: number;
  /**
   * Retries of failed Web API reads (history, names) and of apps.connections.open. chat.update and
   * chat.postMessage never retry inside the client: the reply streamer paces and resends them.
   */
  retryConfig?: webApi.RetryOptions;
  logger: Logger;
}

export type SlackMode = "socket" | "http";

export interface SlackConnection {
  app: App;
  mode: SlackMode;
  /** For chat.postMessage / chat.update: surfaces 429 at once (as RateLimitedError upstream) instead of sleeping. */
  writeClient: webApi.WebClient;
  /** Starts receiving events; in HTTP mode resolves with the port listened on. */
  start(): Promise<{ mode: SlackMode; port?: number }>;
  /** Socket Mode: the WebSocket is up (it drops and reconnects on its own). HTTP mode: the server listens. */
  isConnected(): boolean;
  stop(): Promise<void>;
}

/** A sensible production policy: a few quick retries, never minutes of waiting behind a chat answer. */
export const DEFAULT_RETRY: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true };

/**
 * How the Socket Mode client retries its own apps.connections.open once connected. When a reconnect's call fails
 * for good on a network error, @slack/socket-mode 3.1 rejects a promise nobody handles and the process ends; so
 * reconnects never give up, with a capped backoff, and the bot stays up (and not ready) until Slack is back.
 */
const RECONNECT_RETRY: webApi.RetryOptions = { forever: true, retries: 10, factor: 2, minTimeout: 500, maxTimeout: 30_000, randomize: true };

export function selectMode(options: Pick<SlackConnectionOptions, "appToken" | "signingSecret">): SlackMode {
  if (options.appToken) return "socket";
  if (options.signingSecret) return "http";
  throw new Error(
    "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP Events API) besides SLACK_BOT_TOKEN.",
  );
}

export function createSlackConnection(options: SlackConnectionOptions): SlackConnection {
  if (!options.botToken) throw new Error("Slack needs SLACK_BOT_TOKEN (xoxb-...).");
  const mode = selectMode(options);
  const logger = boltLogger(options.logger);
  const slackApiUrl = options.apiUrl ?? "https://slack.com/api/";
  const retryConfig = options.retryConfig ?? DEFAULT_RETRY;
  const clientOptions: webApi.WebClientOptions = { slackApiUrl, retryConfig, logger };
  // The socket's policy: the usual one at start (a wrong URL or no network still ends start-up), RECONNECT_RETRY
  // once connected. The client keeps this object by reference, so changing it in place takes effect.
  const socketRetry: webApi.RetryOptions = { ...retryConfig };

  // Socket Mode: apps.connections.open refusals seen during start (see connections-open-watch.ts).
  let onOpenRefused: ((code: string) => void) | undefined;
  // Our own receiver in Socket Mode, so its WebSocket client can be guarded against malformed frames.
  const receiver =
    mode === "socket"
      ? new SocketModeReceiver({
          appToken: options.appToken!,
          logger,
          installerOptions: {
            clientOptions: {
              ...clientOptions,
              retryConfig: socketRetry,
              fetch: watchConnectionsOpen((code) => onOpenRefused?.(code)),
            },
          },
          processEventErrorHandler: (args) => onProcessEventError(args, options.logger),
        })
      : undefined;
  if (receiver) guardSocketFrames(receiver.client, options.logger);
  // Health: Socket Mode reconnects by itself, so "started" says little; follow the socket's own state.
  let socketUp = false;
  receiver?.client.on("connected", () => (socketUp = true));
  // Down from the moment the socket closes, not only once the client gives up ("disconnected"): while it
  // reconnects no event arrives, and readiness must say so.
  for (const down of ["close", "reconnecting", "disconnected"]) receiver?.client.on(down, () => (socketUp = false));
  const app = new App({
    token: options.botToken,
    logger,
    clientOptions,
    // Without this, the constructor fires auth.test at once and a wrong token becomes an unhandled rejection
    // (a stack trace, the process gone); start() runs it through init() and says what is wrong instead.
    deferInitialization: true,
    ...(receiver
      ? { socketMode: true, receiver }
      : { receiver: createHttpReceiver({ signingSecret: options.signingSecret!, boltLogger: logger, logger: options.logger }) }),
  });
  // Every client that can write is guarded: no text the bot sends pings a whole channel (broadcast-mentions.ts).
  guardBroadcastMentions(app.client);
  const writeClient = guardBroadcastMentions(new webApi.WebClient(options.botToken, {
    slackApiUrl,
    logger,
    rejectRateLimitedCalls: true,
    // No retries inside the client: a retried chat.update is one more call in Slack's window that the edit budget
    // never granted. The streamer resends failed calls itself, each through the budget.
    retryConfig: { retries: 0 },
  }));

  /**
   * Connects Socket Mode; ends with one sentence when apps.connections.open refuses SLACK_APP_TOKEN, including the
   * refusals the client would otherwise retry forever. Slack's own passing trouble is still retried.
   */
  async function startSocket(): Promise<void> {
    let refuse: (error: unknown) => void = () => {};
    const refused = new Promise<never>((_, reject) => (refuse = reject));
    onOpenRefused = (code) => {
      if (!isTransientSlackError(code)) refuse(appTokenRefusal(code));
    };
    try {
      await Promise.race([
        app.start().catch((error: unknown) => {
          throw appTokenFailure(error, slackApiUrl);
        }),
        refused,
      ]);
    } finally {
      onOpenRefused = undefined;
    }
  }

  let server: Server | undefined;
  return {
    app,
    mode,
    writeClient,
    async start() {
      // auth.test: checks SLACK_BOT_TOKEN (and that SLACK_API_URL answers) before anything listens.
      await app.init().catch((error: unknown) => {
        throw botTokenFailure(error, slackApiUrl);
      });
      if (mode === "socket") {
        await startSocket();
        Object.assign(socketRetry, RECONNECT_RETRY);
        return { mode };
      }
      const port = options.port ?? 3000;
      server = (await app.start(port).catch((error: unknown) => {
        throw listenFailure("SLACK_PORT", port, error);
      })) as Server;
      return { mode, port: (server.address() as AddressInfo).port };
    },
    isConnected() {
      return mode === "socket" ? socketUp : server?.listening === true;
    },
    async stop() {
      // Bolt's HTTP receiver refuses to stop a server that never listened (a start that failed); Socket Mode is
      // always stopped, since its client may still be waiting to retry.
      if (mode === "socket" || server !== undefined) await app.stop();
      socketUp = false;
    },
  };
}

/**
 * The Socket Mode client parses every frame in an async listener, and a frame such as `{"type":"events_api"}`
 * without a payload makes it throw, which would surface as an unhandled rejection and could end the process.
 * Such a frame is dropped with a debug line instead; well-formed frames go through untouched.
 */
function guardSocketFrames(client: SocketModeReceiver["client"], logger: Logger): void {
  const log = logger.child({ component: "slack-socket" });
  for (const listener of client.listeners("ws_message")) {
    client.off("ws_message", listener);
    client.on("ws_message", (...args: unknown[]) => {
      try {
        void Promise.resolve(listener(...args)).catch((error: unknown) => dropFrame(log, error));
      } catch (error) {
        dropFrame(log, error);
      }
    });
  }
}

/**
 * A frame without a proper body (`{"type": 12}`) makes Bolt throw before any listener runs; Bolt would log that
 * as an error. It is someone else's garbage, not our failure: a debug line, and acked so it is not resent.
 */
async function onProcessEventError(args: SocketModeReceiverProcessEventErrorHandlerArgs, logger: Logger): Promise<boolean> {
  const body = args.event.body as unknown;
  const wellFormed = typeof body === "object" && body !== null && typeof (body as { type?: unknown }).type === "string";
  if (wellFormed) return defaultProcessEventErrorHandler(args);
  dropFrame(logger.child({ component: "slack-socket" }), args.error);
  return true;
}

function dropFrame(log: Logger, error: unknown): void {
  log.debug({ err: error instanceof Error ? error.message : String(error) }, "Malformed Socket Mode frame ignored");
}

/** Bolt's logger interface over pino, so Bolt's lines carry the same fields and redaction as ours. */
export function boltLogger(pino: Logger): BoltLogger {
  const log = pino.child({ component: "slack-bolt" });
  let level: LogLevel = LogLevel.INFO;
  const line = (args: unknown[]) => args.map(describe).join(" ");
  return {
    debug: (...args: unknown[]) => log.debug(line(args)),
    info: (...args: unknown[]) => log.info(line(args)),
    warn: (...args: unknown[]) => log.warn(line(args)),
    error: (...args: unknown[]) => log.error(line(args)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
