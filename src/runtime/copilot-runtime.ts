/**
 * The Copilot runtime behind every answer: one long-lived CopilotClient (the runtime process), a fresh session
 * per request, events translated as they arrive, transient failures retried with backoff. Port of the
 * reference's CopilotRuntime / stream_session / run_session to SDK 1.0.
 */
import {
  CopilotClient,
  type CopilotSession,
  type GetAuthStatusResponse,
  type MessageOptions,
  type SessionConfig,
  type SessionEvent,
} from "@github/copilot-sdk";
import type { Logger } from "pino";
import { backoffDelay, sleepUnlessAborted } from "./backoff.js";
import {
  classifyFailure,
  errorMessage,
  isConnectionLost,
  isRetryable,
  RuntimeAbortedError,
  RuntimeFailureError,
} from "./errors.js";
import { EventQueue, QUEUE_TIMEOUT } from "./event-queue.js";
import type { RuntimeEvent, RuntimeFailure } from "./events.js";
import { resolveRuntimeOptions, runtimeEnvironment, type CopilotRuntimeOptions, type ResolvedRuntimeOptions } from "./options.js";
import { SessionEventTranslator, type SessionEnd } from "./session-events.js";
import { explain, type SignInProblem } from "./sign-in.js";
import type { AnswerRequest, AnswerRuntime } from "./types.js";
import { messageAttachments } from "./attachments.js";
import { AnswerReader } from "./answer-reader.js";
import { mcpSessionConfig } from "./mcp-session-config.js";
import { modelOptions, type ModelOption } from "./model-catalog.js";
import { withChannelInstructions } from "./system-message.js";

type QueueItem = { kind: "event"; event: SessionEvent } | { kind: "abort" } | { kind: "stopped" };

/** How long a sign-in diagnosis is reused: failing answers in a burst ask GitHub once. */
const DIAGNOSIS_TTL_MS = 60_000;

/** Cleanup calls on a session must not hold an answer up for long, even against a wedged runtime. */
const CLEANUP_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 10_000;

export class CopilotRuntime implements AnswerRuntime {
  private readonly options: ResolvedRuntimeOptions;
  private readonly log: Logger;
  private client: CopilotClient | undefined;
  private clientReady: Promise<CopilotClient> | undefined;
  /** Set by stop(): no new runtime process starts (not even to retry) until start() is called again. */
  private stopped = false;
  /** The event queues of running attempts, so stop() can end them at once. */
  private readonly running = new Set<EventQueue<QueueItem>>();
  private diagnosis: { at: number; problem: Promise<SignInProblem> } | undefined;

  constructor(options: CopilotRuntimeOptions) {
    this.options = resolveRuntimeOptions(options);
    this.log = options.logger.child({ component: "copilot-runtime" });
  }

  /** Starts the runtime process (idempotent; a request also starts it). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureClient();
  }

  /** Stops the runtime process; running sessions end. A later request starts a new one. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const queue of this.running) queue.push({ kind: "stopped" });
    const client = this.client;
    this.client = undefined;
    this.clientReady = undefined;
    if (!client) return;
    const errors = await withTimeout(client.stop(), STOP_TIMEOUT_MS).catch((error: unknown) => [error]);
    if (errors === TIMED_OUT || errors.length > 0) {
      this.log.warn({ errors: errors === TIMED_OUT ? "timed out" : errors.map(errorMessage) }, "Copilot runtime did not stop cleanly; forcing it");
      await client.forceStop().catch(() => undefined);
    }
  }

  /**
   * Liveness for /healthz: true when the runtime process answers a ping. After a crash it starts a new one (as
   * the next request would), so a probe sees the recovery rather than a dead runtime until the next mention.
   */
  async ping(): Promise<boolean> {
    if (this.stopped) return false;
    let client: CopilotClient | undefined;
    try {
      client = await this.ensureClient();
      await client.ping();
      return true;
    } catch (error) {
      // A dead runtime is forgotten, so the next probe (or request) starts a fresh one.
      if (client && isConnectionLost(errorMessage(error))) this.discardClient(client, errorMessage(error));
      return false;
    }
  }

  /** The runtime's view of its Copilot sign-in (starts the runtime if needed). */
  async authStatus(): Promise<GetAuthStatusResponse> {
    const client = await this.ensureClient();
    return client.getAuthStatus();
  }

  /** The ids of the models this sign-in offers. */
  async listModels(): Promise<string[]> {
    const client = await this.ensureClient();
    return (await client.listModels()).map((model) => model.id);
  }

  /** The models this sign-in offers, with their reasoning efforts (the SDK caches the list per runtime). */
  async modelOptions(): Promise<ModelOption[]> {
    const client = await this.ensureClient();
    return modelOptions(await client.listModels());
  }

  /** BYOK: the provider's one configured model, which answers always use; undefined with Copilot sign-in. */
  get fixedModel(): string | undefined {
    return this.options.provider ? this.options.model : undefined;
  }

  /**
   * A sign-in failure, made precise: the runtime reports GitHub out of reach and a refused token alike, so GitHub
   * is asked directly (once a minute at most) and the failure's kind says which it was.
   */
  private async refineFailure(failure: RuntimeFailure): Promise<RuntimeFailure> {
    const signIn = this.options.signIn;
    if (failure.kind !== "authentication" || this.options.provider || !signIn) return failure;
    if (!this.diagnosis || Date.now() - this.diagnosis.at > DIAGNOSIS_TTL_MS) {
      const problem = explain({ source: signIn, githubHost: this.options.githubHost ?? "github.com", authStatus: () => this.authStatus() });
      this.diagnosis = { at: Date.now(), problem };
    }
    const problem = await this.diagnosis.problem;
    this.log.warn({ problem: problem.kind }, problem.sentence);
    if (problem.kind === "unreachable") return { ...failure, kind: "unreachable" };
    if (problem.kind === "no_access") return { ...failure, kind: "no_access" };
    return failure;
  }

  /** One answer as events: deltas in order, messages, tools, retries, then exactly one `done` or `error`. */
  async *stream(request: AnswerRequest): AsyncGenerator<RuntimeEvent, void, undefined> {
    const { retry } = this.options;
    const log = request.threadKey ? this.log.child({ threadKey: request.threadKey }) : this.log;
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (request.signal?.aborted) {
        yield { type: "done", aborted: true };
        return;
      }
      const end = yield* this.attempt(request, log);
      if (end.kind === "done") {
        log.info({ attempts: attempt + 1, ms: Date.now() - startedAt, aborted: end.aborted }, "Copilot answer finished");
        yield { type: "done", aborted: end.aborted };
        return;
      }
      const failure = await this.refineFailure(end.failure);
      const failureLog = { kind: failure.kind, errorType: failure.errorType, statusCode: failure.statusCode, error: failure.message };
      const retryable = isRetryable(failure);
      if (!retryable || attempt + 1 >= retry.attempts) {
        log.error(
          { ...failureLog, attempt: attempt + 1, attempts: retry.attempts },
          retryable ? "Copilot request failed; all retries used" : "Copilot request failed",
        );
        yield { type: "error", failure };
        return;
      }
      // Computed once: the same delay is logged, reported and slept.
      const delayMs = backoffDelay(attempt, retry, this.options.random);
      log.warn({ ...failureLog, attempt: attempt + 1, attempts: retry.attempts, delayMs }, "Copilot request failed; retrying");
      yield { type: "retry", attempt: attempt + 1, delayMs, failure };
      if (!(await sleepUnlessAborted(delayMs, request.signal))) {
        yield { type: "done", aborted: true };
        return;
      }
    }
  }

  /**
   * The final answer text of one request, without streaming (for tools that ask a second model). Same retries
   * as `stream`; throws RuntimeFailureError (classified) or RuntimeAbortedError.
   */
  async runSession(request: AnswerRequest): Promise<string> {
    const answer = new AnswerReader();
    for await (const event of this.stream(request)) {
      answer.apply(event);
      const terminal = answer.terminal;
      if (terminal?.kind === "error") throw new RuntimeFailureError(terminal.failure);
      if (terminal?.kind === "done") {
        if (terminal.aborted) throw new RuntimeAbortedError();
        break;
      }
    }
    return answer.lastMessage || answer.text;
  }

  /** One session: create, send, relay events until it ends; always disconnected afterwards. */
  private async *attempt(request: AnswerRequest, log: Logger): AsyncGenerator<RuntimeEvent, SessionEnd, undefined> {
    const { inactivityTimeoutMs, livenessCheckMs } = this.options;
    const queue = new EventQueue<QueueItem>();
    const translator = new SessionEventTranslator();
    const signal = request.signal;
    const onAbort = () => queue.push({ kind: "abort" });
    signal?.addEventListener("abort", onAbort, { once: true });
    this.running.add(queue);
    let client: CopilotClient | undefined;
    let session: CopilotSession | undefined;
    let ended = false;
    try {
      const config = this.sessionConfig(request, (event) => queue.push({ kind: "event", event }));
      try {
        client = await this.ensureClient();
        try {
          session = await client.createSession(config);
        } catch (error) {
          // The runtime died since the last request: start a new one at once, no backoff, nothing to reset.
          if (!isConnectionLost(errorMessage(error))) throw error;
          this.discardClient(client, errorMessage(error));
          client = await this.ensureClient();
          session = await client.createSession(config);
        }
        if (signal?.aborted) return { kind: "done", aborted: true };
        await session.send(this.message(request));
      } catch (error) {
        return this.callFailed(error, client);
      }

      let lastEventAt = Date.now();
      for (;;) {
        const silentMs = Date.now() - lastEventAt;
        const item = await queue.next(Math.min(livenessCheckMs, inactivityTimeoutMs - silentMs));
        if (item === QUEUE_TIMEOUT) {
          if (Date.now() - lastEventAt >= inactivityTimeoutMs) {
            return {
              kind: "failed",
              failure: { kind: "timeout", message: `The Copilot session sent nothing for ${inactivityTimeoutMs} ms (timed out).` },
            };
          }
          // Silence can mean a slow model or a dead runtime process (the SDK does not tell): ask it.
          const lost = await client.ping().then(
            () => undefined,
            (error: unknown) => errorMessage(error),
          );
          if (lost !== undefined) {
            this.discardClient(client, lost);
            return { kind: "failed", failure: classifyFailure({ message: `The Copilot runtime connection was lost: ${lost}` }) };
          }
          continue;
        }
        if (item.kind === "abort") {
          log.info("Copilot answer aborted");
          return { kind: "done", aborted: true };
        }
        if (item.kind === "stopped") return { kind: "failed", failure: { ...STOPPED_FAILURE } };
        lastEventAt = Date.now();
        const { events, end } = translator.translate(item.event);
        for (const event of events) yield event;
        if (end) {
          ended = true;
          return end;
        }
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.running.delete(queue);
      if (session && client) await this.closeSession(client, session, ended, log);
    }
  }

  private sessionConfig(request: AnswerRequest, onEvent: (event: SessionEvent) => void): SessionConfig {
    const o = this.options;
    const hasSkills = o.skillDirectories.length > 0;
    return {
      model: request.model ?? o.model,
      ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
      ...(o.provider ? { provider: o.provider } : {}),
      streaming: true,
      systemMessage: { mode: "replace", content: withChannelInstructions(o.systemMessage, request.instructions) },
      tools: request.tools ?? [],
      availableTools: o.availableTools,
      excludedTools: o.excludedTools,
      // "empty" mode turns skills off unless asked for.
      ...(hasSkills ? { skillDirectories: o.skillDirectories, enableSkills: true } : {}),
      ...(o.workingDirectory ? { workingDirectory: o.workingDirectory } : {}),
      onPermissionRequest: o.onPermissionRequest,
      ...mcpSessionConfig(o, request),
      ...(o.vision ? { modelCapabilities: { supports: { vision: true } } } : {}),
      ...(o.maxCreditsPerAnswer !== undefined ? { sessionLimits: { maxAiCredits: o.maxCreditsPerAnswer } } : {}),
      // Registered before the session is created, so no early event is missed.
      onEvent,
    };
  }

  private message(request: AnswerRequest): MessageOptions {
    const attachments = messageAttachments(request, this.options.vision);
    return attachments.length === 0 ? { prompt: request.prompt } : { prompt: request.prompt, attachments };
  }

  private callFailed(error: unknown, client: CopilotClient | undefined): SessionEnd {
    const message = errorMessage(error);
    if (client && isConnectionLost(message)) this.discardClient(client, message);
    return { kind: "failed", failure: classifyFailure({ message }) };
  }

  private async closeSession(client: CopilotClient, session: CopilotSession, ended: boolean, log: Logger): Promise<void> {
    try {
      // A consumer that stopped early, an abort or a timeout leaves the turn running: stop the model first.
      if (!ended) await withTimeout(session.abort(), CLEANUP_TIMEOUT_MS);
    } catch {
      // The session may already be gone with its runtime; disconnecting below is what matters.
    }
    try {
      await withTimeout(session.disconnect(), CLEANUP_TIMEOUT_MS);
      // Session state on disk holds the conversation; nothing resumes it, so it goes.
      if (!this.options.keepSessionData) await withTimeout(client.deleteSession(session.sessionId), CLEANUP_TIMEOUT_MS);
    } catch (error) {
      log.debug({ error: errorMessage(error) }, "Copilot session cleanup failed");
    }
  }

  private ensureClient(): Promise<CopilotClient> {
    if (this.stopped) return Promise.reject(new Error(STOPPED_FAILURE.message));
    if (this.clientReady) return this.clientReady;
    const o = this.options;
    const client = new CopilotClient({
      mode: "empty",
      useLoggedInUser: o.signIn?.kind === "logged-in-user",
      env: o.env ?? runtimeEnvironment(),
      ...(o.signIn?.kind === "token" ? { gitHubToken: o.signIn.token } : {}),
      baseDirectory: o.homeDirectory,
      ...(o.workingDirectory ? { workingDirectory: o.workingDirectory } : {}),
    });
    const startedAt = Date.now();
    const ready = client.start().then(() => {
      this.log.info({ ms: Date.now() - startedAt, signIn: o.signIn?.kind === "token" ? o.signIn.variable : o.signIn?.kind, byok: Boolean(o.provider) }, "Copilot runtime started");
      return client;
    });
    this.client = client;
    this.clientReady = ready;
    ready.catch((error: unknown) => {
      this.log.error({ error: errorMessage(error) }, "Copilot runtime failed to start");
      this.discardClient(client, errorMessage(error));
    });
    return ready;
  }

  /** Forgets a client whose runtime died (the SDK never restarts one); the next request starts a new one. */
  private discardClient(client: CopilotClient, reason: string): void {
    if (this.client === client) {
      this.log.warn({ reason }, "Copilot runtime connection lost; a new runtime starts with the next request");
      this.client = undefined;
      this.clientReady = undefined;
    }
    void client.forceStop().catch(() => undefined);
  }
}

const TIMED_OUT = Symbol("timed out");

/** Not retryable: shutting down is not a transient condition. */
const STOPPED_FAILURE = { kind: "other", message: "The Copilot runtime was stopped." } as const;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
