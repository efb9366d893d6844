/**
 * The Bolt app and its connection to Slack: Socket Mode when an app token is given (no public URL needed), else
 * the HTTP Events API with signature verification. SLACK_API_URL points the Web API, and Socket Mode's
 * apps.connections.open, somewhere else (enterprise proxies, GovSlack, tests).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, LogLevel, webApi, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";

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
  stop(): Promise<void>;
}

/** A sensible production policy: a few quick retries, never minutes of waiting behind a chat answer. */
export const DEFAULT_RETRY: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true };

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

  const app = new App({
    token: options.botToken,
    logger,
    clientOptions,
    ...(mode === "socket"
      ? { socketMode: true, appToken: options.appToken }
      : { signingSecret: options.signingSecret }),
  });
  const writeClient = new webApi.WebClient(options.botToken, {
    slackApiUrl,
    logger,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: Math.min(retryConfig.retries ?? 0, 2), factor: 2, minTimeout: 300, maxTimeout: 2_000 },
  });

  let server: Server | undefined;
  return {
    app,
    mode,
    writeClient,
    async start() {
      if (mode === "socket") {
        await app.start();
        return { mode };
      }
      server = (await app.start(options.port ?? 3000)) as Server;
      return { mode, port: (server.address() as AddressInfo).port };
    },
    async stop() {
      await app.stop();
    },
  };
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
