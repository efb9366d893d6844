import type { Logger } from "pino";
import { createDiscordAdapter } from "./adapters/discord/index.js";
import { createSlackAdapter } from "./adapters/slack/index.js";
import { createWebAdapter } from "./adapters/web/index.js";
import type { Config } from "./config/load.js";
import { secretValuesOf } from "./config/secret-values.js";
import { Answerer } from "./core/answer.js";
import type { Platform } from "./core/platform.js";
import { createLogger, resolveLogFormat } from "./logging/logger.js";
import { HealthChecks } from "./ops/health.js";
import { Metrics } from "./ops/metrics.js";
import { startOpsServer, type OpsServer } from "./ops/ops-server.js";
import { budgets as processBudgets } from "./reply/budget/budget.js";
import { budgetRegistryFor } from "./reply/budget/shared-budget.js";
import { CopilotRuntime } from "./runtime/copilot-runtime.js";
import { providerUnreachable, providerUnreachableSentence } from "./runtime/provider-probe.js";
import { checkSignIn } from "./runtime/sign-in.js";
import { mcpSetup } from "./runtime/mcp-setup.js";
import { toolCallHooks } from "./runtime/tool-hooks.js";
import { prepareDirectory } from "./startup/data-directory.js";
import { StartupError } from "./startup/startup-error.js";
import { RequestGate } from "./safety/request-gate.js";
import { logToolPolicy, toolPolicy } from "./safety/tool-policy.js";
import { UserRateLimiter } from "./safety/user-rate-limit.js";
import { openStore } from "./store/open-store.js";
import type { StateStore } from "./store/types.js";
import { askThroughRuntime, defaultToolRegistry } from "./tools/index.js";
import { UsageLedger } from "./usage/usage-ledger.js";

/** Used with Copilot sign-in when COPILOT_MODEL is not set (the README states it; start-up warns if not offered). */
export const DEFAULT_COPILOT_MODEL = "gpt-4.1";

export interface RunningApp {
  logger: Logger;
  /** The platforms configured and started. */
  platforms: Platform[];
  ops?: OpsServer;
  /** Stops taking messages, lets running answers finish within the grace period, then releases everything. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logger?: Logger;
}

/** Past the grace period, how long the rest of shutdown (runtime, store) may take before the process gives up. */
const SHUTDOWN_MARGIN_MS = 30_000;

/** Wires configuration to the parts: store, runtime, answerer, platform adapters, health and metrics. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger =
    options.logger ??
    createLogger({
      level: config.log.level,
      format: resolveLogFormat(config.log.format, process.stdout.isTTY === true),
      secrets: secretValuesOf(process.env),
    });
  // Shutdown runs in stages: every adapter at once (each drains its answers within the grace period), then the
  // health server, the runtime (its process must not outlive us) and the store, in that order.
  const adapterStops: Array<() => Promise<unknown>> = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    const stopped = await Promise.allSettled(adapterStops.map((stop) => stop()));
    for (const result of stopped) {
      if (result.status === "rejected") logger.warn({ err: result.reason }, "an adapter did not stop cleanly");
    }
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => logger.warn({ err }, "cleanup failed"));
  };

  try {
    // Everything on disk is under DATA_DIR unless a variable moves a part; each is checked before it is used.
    prepareDirectory(config.dataDirectory, "DATA_DIR");
    const workingDirectory = prepareDirectory(config.copilot.workingDirectory, "REPOS_DIR");
    const homeDirectory = prepareDirectory(config.copilot.homeDirectory, "COPILOT_HOME");
    // Checked before anything is opened: a bad MCP_CONFIG or TOOL_POLICY name is one sentence at once.
    const mcp = mcpSetup({ ...config.mcp, toolNames: config.safety.mcpTools }, logger);

    const store: StateStore = await openStore(config.store.url, logger);
    cleanups.push(() => store.close());
    const metrics = new Metrics({ defaultMetrics: true });
    const health = new HealthChecks();
    health.register("store", () => store.ping(), { readiness: true });

    // The runtime is created below; the advisor asks it lazily, per call.
    let runtime: CopilotRuntime | undefined;
    const advisor = config.safety.advisor;
    const registry = defaultToolRegistry({
      ...(advisor
        ? {
            ask: askThroughRuntime({ runSession: (request) => runtime!.runSession(request) }, { model: advisor.model }),
            advisorMaxCalls: advisor.maxCallsPerRun,
          }
        : {}),
      logger,
    });
    const policy = toolPolicy(config.safety.toolPolicy, registry.names, {
      readRoots: [workingDirectory],
      skills: config.copilot.skillDirectories.length > 0,
      logger,
      mcp: mcp.allowList,
    });
    logToolPolicy(logger, policy);

    const { signIn } = config.copilot;
    const model = config.copilot.model ?? DEFAULT_COPILOT_MODEL;
    runtime = new CopilotRuntime({
      ...(signIn.kind !== "byok" ? { signIn } : {}),
      githubHost: config.copilot.githubHost,
      model,
      ...(config.copilot.provider ? { provider: config.copilot.provider } : {}),
      systemMessage: config.copilot.systemMessage,
      workingDirectory,
      skillDirectories: config.copilot.skillDirectories,
      availableTools: policy.availableTools,
      onPermissionRequest: policy.onPermissionRequest,
      mcpServers: mcp.servers,
      ...(mcp.githubMcpToolConfig ? { githubMcpToolConfig: mcp.githubMcpToolConfig } : {}),
      hooksFor: (request) => toolCallHooks(policy, logger, { requester: request.requester, threadKey: request.threadKey }),
      vision: config.copilot.vision,
      ...(config.safety.usage.creditsPerAnswer !== undefined ? { maxCreditsPerAnswer: config.safety.usage.creditsPerAnswer } : {}),
      retry: config.copilot.retry,
      homeDirectory,
      logger,
    });
    const started = runtime;
    cleanups.push(() => started.stop());
    // With BYOK, whether the model server answers is asked alongside the runtime's start (it never asks itself).
    await Promise.all([runtime.start(), warnIfProviderUnreachable(config, logger)]);
    health.register("runtime", () => started.ping());
    if (signIn.kind !== "byok") await checkCopilotSignIn(config, started, model, logger);

    const usage = new UsageLedger(store, config.safety.usage, logger);
    const answerer = new Answerer({
      runtime,
      logger,
      historyCharBudget: config.history.charBudget,
      maxMessageChars: config.safety.maxMessageChars,
      placeholder: config.reply.placeholder,
      codeFiles: config.reply.codeFiles,
      toolsFor: (context) => registry.buildTools(context),
      metrics,
      usage,
      defaultModel: model,
      modelIsFixed: Boolean(config.copilot.provider),
    });
    const gate = new RequestGate({
      access: {
        slack: config.safety.allow.slack,
        discord: config.safety.allow.discord,
        ...(config.safety.refusalReply !== undefined ? { refusalReply: config.safety.refusalReply } : {}),
      },
      ...(config.safety.userRateLimit.limit > 0
        ? { rateLimiter: new UserRateLimiter(config.safety.userRateLimit) }
        : {}),
      logger,
    });

    const common = {
      answerer,
      store,
      logger,
      // Platform limits bind every replica of a workspace/channel: budgets live in the store when it is shared.
      budgets: budgetRegistryFor(store, logger),
      gate,
      answerThreadFollowUps: config.answering.threadFollowups,
      answerOtherBots: config.answering.otherBots,
      downloadImages: config.copilot.vision,
      historyCharBudget: config.history.charBudget,
      maxMessageChars: config.safety.maxMessageChars,
      maxImages: config.safety.images.maxCount,
      maxImageBytes: config.safety.images.maxBytes,
      textFiles: config.safety.textFiles,
      coordinator: coordinatorOptions(config),
      usage,
      // Channels choose among the sign-in's models; a BYOK provider keeps its one (the commands say so).
      models: { defaultModel: model, ...(started.fixedModel ? { fixedModel: started.fixedModel } : {}), list: () => started.modelOptions() },
    };

    // Every configured platform, started through the one contract (src/core/platform.ts).
    const platforms: Platform[] = [
      ...(config.slack ? [createSlackAdapter({ ...common, ...config.slack, metrics })] : []),
      ...(config.discord ? [createDiscordAdapter({ ...common, ...config.discord, metrics })] : []),
      // A page's display rate binds this process only: the web chat's budgets are never shared through the store.
      ...(config.webChat ? [createWebAdapter({ ...common, ...config.webChat, budgets: processBudgets, metrics })] : []),
    ];
    for (const platform of platforms) {
      // Registered before start: a start that fails half-way still releases what it opened.
      adapterStops.push(() => platform.stop(config.shutdown.graceMs));
      const started = await platform.start();
      logger.info(started, `${platform.displayName} connected`);
      health.register(platform.name, async () => platform.health(), { readiness: true });
    }

    let ops: OpsServer | undefined;
    if (config.health.port !== undefined) {
      ops = await startOpsServer({ port: config.health.port, health, metrics, logger });
      const server = ops;
      // Closed right after the adapters, before the runtime and store its checks call.
      cleanups.push(() => server.close());
      logger.info({ port: ops.port }, "Health and metrics listening");
    }

    let stopping: Promise<void> | undefined;
    return {
      logger,
      platforms,
      ...(ops ? { ops } : {}),
      stop: () => (stopping ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Copilot sign-in at start: a problem only the operator can fix (a refused token kind or token, no Copilot on the
 * account) stops the bot with its sentence; GitHub out of reach is a warning, since it may pass. A model the
 * account does not offer is a warning naming the ones it does.
 */
async function checkCopilotSignIn(config: Config, runtime: CopilotRuntime, model: string, logger: Logger): Promise<void> {
  const { signIn, githubHost } = config.copilot;
  if (signIn.kind === "byok") return;
  const result = await checkSignIn({
    source: signIn.kind === "token" ? { kind: "token", token: signIn.token, variable: signIn.variable } : { kind: "logged-in-user" },
    githubHost,
    authStatus: () => runtime.authStatus(),
  });
  if (!result.ok) {
    if (result.problem.fatal) {
      throw new StartupError(signIn.kind === "token" ? signIn.variable : "COPILOT_USE_LOGGED_IN_USER", result.problem.sentence);
    }
    logger.warn({ problem: result.problem.kind }, result.problem.sentence);
    return;
  }
  logger.info({ login: result.login, authType: result.authType }, "Signed in to Copilot");
  const offered = await runtime.listModels().catch(() => undefined);
  if (offered && offered.length > 0 && !offered.includes(model)) {
    const which = config.copilot.model ? `COPILOT_MODEL (${model})` : `The default model ${model}`;
    logger.warn(
      { model, offered },
      `${which} is not among the models this Copilot account offers, so answers will fail: set COPILOT_MODEL to one of ${offered.join(", ")}.`,
    );
  }
}

/** BYOK: a model server out of reach is a warning at start, not an exit (it may be started after the bot). */
async function warnIfProviderUnreachable(config: Config, logger: Logger): Promise<void> {
  const baseUrl = config.copilot.provider?.baseUrl;
  if (!baseUrl) return;
  const reason = await providerUnreachable(baseUrl);
  if (reason) logger.warn({ reason }, providerUnreachableSentence(baseUrl, reason));
}

/** THREAD_LOCK_TTL_MS: how soon a crashed replica's threads are taken over. */
function coordinatorOptions(config: Config): { lockTtlMs: number } {
  return { lockTtlMs: config.threads.lockTtlMs };
}

/**
 * `npm start`: run until SIGTERM/SIGINT, then stop taking events, let running answers finish within
 * SHUTDOWN_GRACE_MS (past it they end with a short note), stop the Copilot runtime, close the store, exit 0.
 * A second signal, or a shutdown stuck well past the grace period, exits 1 at once.
 */
export async function runApp(config: Config): Promise<RunningApp> {
  let app: RunningApp | undefined;
  let shuttingDown = false;
  const forceExit = (reason: string) => {
    if (app) {
      app.logger.warn({ reason }, "Forced exit");
      app.logger.flush?.();
    } else {
      process.stderr.write(`threadpilot: ${reason}; exiting at once.\n`);
    }
    process.exit(1);
  };
  const shutdown = (signal: string) => {
    if (shuttingDown) {
      forceExit(`a second ${signal} arrived during shutdown`);
      return;
    }
    // During start-up there is nothing to drain, and start-up itself cannot be interrupted cleanly: leave now
    // (the runtime process, if already started, ends with its stdio pipe).
    if (!app) {
      forceExit(`${signal} arrived during start-up`);
      return;
    }
    shuttingDown = true;
    const running = app;
    running.logger.info({ signal, graceMs: config.shutdown.graceMs }, "Shutting down");
    const watchdog = setTimeout(
      () => forceExit(`shutdown took longer than the grace period plus ${SHUTDOWN_MARGIN_MS / 1000} s`),
      config.shutdown.graceMs + SHUTDOWN_MARGIN_MS,
    );
    watchdog.unref();
    running
      .stop()
      .then(() => {
        running.logger.info("Stopped");
        running.logger.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        running.logger.error({ err }, "Shutdown failed");
        running.logger.flush?.();
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  app = await startApp(config);
  app.logger.info("threadpilot is running");
  return app;
}
