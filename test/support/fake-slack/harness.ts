/**
 * Everything an end-to-end Slack test needs, started on 127.0.0.1 and closed together: the fake Slack, the fake
 * model, the real Copilot runtime, the real Answerer and reply streamer, a memory store, and the real Slack
 * adapter (real Bolt) in Socket Mode or HTTP mode.
 */
import { captureLogs } from "../log-capture.js";
import type { Logger } from "pino";
import { Answerer, type AnswererDeps } from "../../../src/core/answer.js";
import { BudgetRegistry } from "../../../src/reply/budget/budget.js";
import { openStore } from "../../../src/store/open-store.js";
import type { StateStore } from "../../../src/store/types.js";
import type { AnswerRuntime } from "../../../src/runtime/types.js";
import { createSlackAdapter, type SlackAdapter, type SlackAdapterOptions } from "../../../src/adapters/slack/index.js";
import { startFakeModel, type FakeModel } from "../fake-model/server.js";
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from "./server.js";
import { startTestRuntime, type TestRuntimeOptions } from "../test-runtime.js";

export interface SlackHarness {
  slack: FakeSlack;
  model: FakeModel;
  adapter: SlackAdapter;
  store: StateStore;
  /** HTTP mode: where Bolt listens for events. */
  eventsUrl?: string;
  /** Every log line (info and above, or `logLevel` / TEST_LOG_LEVEL), parsed. */
  logs: Array<Record<string, unknown>>;
  /** The same lines as written, for searching the raw output (a token must never be in it). */
  logText(): string;
  /** Resolves once `count` log lines with this `msg` were written. */
  waitForLog(msg: string, count?: number): Promise<void>;
  /** A second adapter on the same store (a restart, or a second replica). */
  startAnotherAdapter(): Promise<SlackAdapter>;
  close(): Promise<void>;
}

export interface SlackHarnessOptions {
  mode?: "socket" | "http";
  fakeSlack?: FakeSlackOptions;
  adapter?: Partial<SlackAdapterOptions>;
  vision?: boolean;
  logger?: Logger;
  /** Level of the captured log (default TEST_LOG_LEVEL or info). */
  logLevel?: string;
  /** Given to the Answerer and to the adapter (default 24,000). */
  historyCharBudget?: number;
  /** The rest of the Answerer's deps (maxMessageChars, toolsFor, ...). */
  answerer?: Partial<Omit<AnswererDeps, "runtime" | "logger" | "historyCharBudget">>;
  /** Tool policy and provider key of the real runtime. */
  runtime?: Omit<TestRuntimeOptions, "vision" | "logger">;
}

export async function startSlackHarness(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const capture = captureLogs(options.logLevel);
  const { logs, rawLines, waitForLog } = capture;
  const logger = options.logger ?? capture.logger;
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const slack = await startFakeSlack(options.fakeSlack);
    cleanups.push(() => slack.close());
    slack.addChannel({ id: "C1", name: "general" });
    slack.addChannel({ id: "D1", name: "dm-alice", type: "im" });
    slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
    slack.addUser({ id: "U2", name: "bob", realName: "Bob Builder" });
    slack.addUser({ id: "U9", name: "otherbot", botId: "B9", isBot: true });

    const model = await startFakeModel();
    cleanups.push(() => model.close());
    const runtime: AnswerRuntime & { stop(): Promise<void> } = await startTestRuntime(model.url, {
      ...options.runtime,
      vision: options.vision ?? false,
      logger,
    });
    cleanups.push(() => runtime.stop());

    const store = await openStore("memory://", logger);
    cleanups.push(() => store.close());
    const historyCharBudget = options.historyCharBudget ?? 24_000;
    const answerer = new Answerer({ ...options.answerer, runtime, logger, historyCharBudget });
    const budgets = new BudgetRegistry();
    const updateLimit = options.fakeSlack?.updateLimit ?? { calls: 50, perMs: 60_000 };
    const mode = options.mode ?? "socket";

    const adapterOptions: SlackAdapterOptions = {
      botToken: slack.botToken,
      ...(mode === "socket" ? { appToken: slack.appToken } : { signingSecret: slack.signingSecret, port: 0 }),
      apiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      answerer,
      store,
      logger,
      budgets,
      updateRate: updateLimit,
      downloadImages: options.vision ?? false,
      historyCharBudget,
      ...(options.answerer?.maxMessageChars !== undefined ? { maxMessageChars: options.answerer.maxMessageChars } : {}),
      // The tests written for the chat.update streamer keep testing it; native streaming is asked for by name.
      nativeStreaming: false,
      statusLine: false,
      ...options.adapter,
    };
    const adapters: SlackAdapter[] = [];
    const startAdapter = async () => {
      const accepted = slack.connectionsAccepted;
      const adapter = createSlackAdapter(adapterOptions);
      adapters.push(adapter);
      cleanups.push(() => adapter.stop(2_000));
      const started = await adapter.start();
      if (started.mode === "http") slack.eventsUrl = `http://127.0.0.1:${started.port}/slack/events`;
      else await slack.waitForSocket(accepted + 1);
      return adapter;
    };
    const adapter = await startAdapter();
    return {
      slack,
      model,
      adapter,
      store,
      eventsUrl: slack.eventsUrl,
      logs,
      logText: () => rawLines.join(""),
      waitForLog,
      startAnotherAdapter: startAdapter,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
