/**
 * Everything an in-process web chat test needs, started on 127.0.0.1 and closed together: the fake model, the
 * real Copilot runtime, the real Answerer and reply streamer, a memory store, the real safety gate, metrics, and
 * the real web adapter with its HTTP server, plus clients that speak to it as the page does.
 */
import type { Logger } from "pino";
import { createWebAdapter, type WebAdapter, type WebAdapterOptions } from "../../../src/adapters/web/index.js";
import { Answerer } from "../../../src/core/answer.js";
import type { ToolRunContext } from "../../../src/tools/registry.js";
import { Metrics } from "../../../src/ops/metrics.js";
import { BudgetRegistry } from "../../../src/reply/budget/budget.js";
import { RequestGate } from "../../../src/safety/request-gate.js";
import { UserRateLimiter } from "../../../src/safety/user-rate-limit.js";
import { toolPolicy } from "../../../src/safety/tool-policy.js";
import { openStore } from "../../../src/store/open-store.js";
import { defaultToolRegistry } from "../../../src/tools/index.js";
import type { StateStore } from "../../../src/store/types.js";
import { startFakeModel, type FakeModel } from "../fake-model/server.js";
import { captureLogs } from "../log-capture.js";
import { startTestRuntime } from "../test-runtime.js";
import { WebChatClient } from "./client.js";

export interface WebChatHarness {
  model: FakeModel;
  adapter: WebAdapter;
  store: StateStore;
  metrics: Metrics;
  url: string;
  logs: Array<Record<string, unknown>>;
  logText(): string;
  waitForLog(msg: string, count?: number): Promise<void>;
  /** A new browser: its own cookies, so its own user. */
  client(headers?: Record<string, string>): WebChatClient;
  close(): Promise<void>;
}

export interface WebChatHarnessOptions {
  adapter?: Partial<WebAdapterOptions>;
  vision?: boolean;
  /** Requests per user per minute (default: no limit). */
  userRateLimit?: number;
  /** Offer the bot's own tools (read_thread, ...) under the default policy. */
  tools?: boolean;
  /** HISTORY_CHAR_BUDGET of the Answerer and the adapter (default 24,000). */
  historyCharBudget?: number;
  logger?: Logger;
}

export async function startWebChatHarness(options: WebChatHarnessOptions = {}): Promise<WebChatHarness> {
  const capture = captureLogs();
  const logger = options.logger ?? capture.logger;
  const cleanups: Array<() => Promise<unknown>> = [];
  const clients: WebChatClient[] = [];
  const close = async () => {
    for (const client of clients) client.close();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const model = await startFakeModel();
    cleanups.push(() => model.close());
    const registry = defaultToolRegistry({});
    const policy = toolPolicy("none", registry.names);
    const runtime = await startTestRuntime(model.url, {
      vision: options.vision ?? false,
      logger,
      ...(options.tools ? { availableTools: policy.availableTools, onPermissionRequest: policy.onPermissionRequest } : {}),
    });
    cleanups.push(() => runtime.stop());
    const store = await openStore("memory://", logger);
    cleanups.push(() => store.close());
    const metrics = new Metrics();
    const historyCharBudget = options.historyCharBudget ?? 24_000;
    const answerer = new Answerer({
      runtime,
      logger,
      historyCharBudget,
      metrics,
      ...(options.tools ? { toolsFor: (context: ToolRunContext) => registry.buildTools(context) } : {}),
    });
    const gate = new RequestGate({
      access: {},
      ...(options.userRateLimit ? { rateLimiter: new UserRateLimiter({ limit: options.userRateLimit, windowMs: 60_000 }) } : {}),
      logger,
    });
    const adapter = createWebAdapter({
      port: 0,
      answerer,
      store,
      logger,
      gate,
      metrics,
      budgets: new BudgetRegistry(),
      downloadImages: options.vision ?? false,
      historyCharBudget,
      ...options.adapter,
    });
    cleanups.push(() => adapter.stop(2_000));
    const { url } = await adapter.start();
    return {
      model,
      adapter,
      store,
      metrics,
      url,
      logs: capture.logs,
      logText: () => capture.rawLines.join(""),
      waitForLog: capture.waitForLog,
      client: (headers) => {
        const client = new WebChatClient(url, headers);
        clients.push(client);
        return client;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
