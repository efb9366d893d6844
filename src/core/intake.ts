/**
 * The one intake every platform shares: what happens to a message or a stop once an adapter has translated it
 * (src/core/platform.ts). In order: the follow-up policy, the exactly-once claim, the access gate (a refused
 * person is told once per person and thread; the rate refusal once per burst), the per-user limit (a stop is
 * never held to it nor counted), stop routing, and the hand-off to the per-thread coordinator, which runs one
 * answer at a time per thread on whichever replica holds its lock. `drain` is the shutdown: no new answers,
 * running ones get the grace period, the rest are aborted with a note (and stay recorded as unfinished work, which
 * the next start or another replica resumes: src/core/unfinished-work.ts). A store that is unreachable when a
 * message arrives is retried with backoff for a bounded time (src/core/store-retry.ts).
 */
import type { Logger } from "pino";
import { postSentence, type ReplyTarget } from "../reply/target.js";
import type { AccessRequest } from "../safety/access.js";
import type { StateStore } from "../store/types.js";
import type { AdapterCommonOptions } from "./adapter-options.js";
import type { InboundMessage, PlatformThreads, StopRequest } from "./platform.js";
import { describeError } from "./describe-error.js";
import { RunningWork, idleWithin } from "./running-work.js";
import { ThreadCoordinator, type RunContext } from "./thread-coordinator.js";
import { markInterruptedReply } from "./interrupted-reply.js";
import { recordingPosts } from "./recorded-posts.js";
import { DEFAULT_STORE_RETRY_MS, STORE_UNREACHABLE_SENTENCE, StoreUnreachableError, retryStore } from "./store-retry.js";
import { GAVE_UP_NOTE, INTERRUPTED_NOTE } from "./unfinished-work.js";
import { readConversationSettings, type ConversationSettings, type SettingsKeys } from "./conversation-settings.js";

const DAY_MS = 24 * 60 * 60_000;

/** What the intake takes of an adapter's options: the common ones every platform has. */
export type IntakeOptions<Item> = Pick<
  AdapterCommonOptions<Item>,
  "answerer" | "store" | "gate" | "coordinator" | "handledTtlMs" | "followTtlMs" | "storeRetryMs"
>;

/** Store keys of the intake itself (the adapters keep their own). */
export const intakeKeys = {
  /** A person refused access in a thread: told once, not after every message. */
  refused: (threadKey: string, userId: string) => `refused:${threadKey}:${userId}`,
};

export class Intake<Item> {
  readonly store: StateStore;
  readonly followTtlMs: number;
  private readonly handledTtlMs: number;
  private readonly threads: PlatformThreads<Item>;
  private readonly logger: Logger;
  /** Event handlers (they end once the message is queued); the answers run in the coordinator. */
  private readonly work: RunningWork;
  private readonly coordinator: ThreadCoordinator<Item>;
  private accepting = true;

  /** `logger`: the adapter's, already naming its platform. */
  constructor(threads: PlatformThreads<Item>, private readonly options: IntakeOptions<Item>, logger: Logger) {
    this.threads = threads;
    this.logger = logger;
    this.store = options.store;
    this.handledTtlMs = options.handledTtlMs ?? DAY_MS;
    this.followTtlMs = options.followTtlMs ?? 7 * DAY_MS;
    this.work = new RunningWork((error) =>
      this.logger.error({ err: describeError(error) }, `Handling a ${this.threads.displayName} event failed`),
    );
    this.coordinator = new ThreadCoordinator<Item>({
      ...options.coordinator,
      store: this.store,
      logger: this.logger,
      run: (threadKey, items, signal, context) => this.answerThread(threadKey, items, signal, context),
      // Every platform's coordinator shares the store; thread keys start with the platform's name.
      ownsThread: (threadKey) => threadKey.startsWith(`${threads.name}:`),
    });
  }

  /**
   * Resumes unfinished answers and waiting messages nobody is answering (left by a crash, a restart, a dead
   * replica), now and periodically. The adapter calls it once it can read threads and post.
   */
  startResuming(): void {
    this.coordinator.startResuming();
  }

  /** Aborted when shutdown's grace period is over. */
  get signal(): AbortSignal {
    return this.work.signal;
  }

  /** Runs an event handler in the background, tracked for shutdown; its failure is logged, never thrown. */
  track(handler: Promise<void>): void {
    this.work.track(handler);
  }

  /**
   * A message addressed to the bot: answered once, if the person may, by the thread's next run. While the store is
   * unreachable its steps are retried; if it stays so, the person is told the bot cannot answer right now.
   */
  async message(inbound: InboundMessage<Item>): Promise<void> {
    const { log } = inbound;
    let warned = false;
    // One deadline for the whole intake of the message, however many steps it has.
    const deadline = Date.now() + (this.options.storeRetryMs ?? DEFAULT_STORE_RETRY_MS);
    const retrying = <T>(operation: () => Promise<T>): Promise<T> =>
      retryStore(operation, {
        deadline,
        signal: this.work.signal,
        onRetry: (error) => {
          if (warned) return;
          warned = true;
          log.warn({ err: describeError(error) }, "The state store is unreachable; retrying the message until it answers");
        },
      });
    try {
      await this.accept(inbound, retrying);
    } catch (error) {
      if (!(error instanceof StoreUnreachableError)) throw error;
      if (error.shuttingDown) {
        log.warn(`The ${this.threads.displayName} adapter stopped while the state store was unreachable; message not answered`);
        return;
      }
      log.error({ err: describeError(error.cause) }, "The state store stayed unreachable; the message could not be taken");
      await postSentence(inbound.openReplyTarget(), STORE_UNREACHABLE_SENTENCE).catch((sayError: unknown) =>
        log.warn({ err: describeError(sayError) }, "Could not tell the user that the bot cannot answer right now"),
      );
    }
  }

  /** The message's way in; every store step goes through `retrying`. */
  private async accept(inbound: InboundMessage<Item>, retrying: <T>(operation: () => Promise<T>) => Promise<T>): Promise<void> {
    const { log, threadKey } = inbound;
    const name = this.threads.displayName;
    const followedKey = inbound.followedKey;
    if (followedKey && !(await retrying(() => this.isFollowed(followedKey)))) {
      log.trace(`Reply in a ${this.threads.threadNoun} the bot has not answered in; ignored`);
      return;
    }
    if (!(await retrying(() => this.store.claimOnce(inbound.messageKey, this.handledTtlMs)))) {
      log.info({ kind: inbound.kind }, `${name} message already handled; not answering again`);
      return;
    }
    if (!(await this.admitted(inbound.access, threadKey, inbound.openReplyTarget, log, true, retrying))) return;
    if (!this.accepting) {
      log.warn(`The ${name} adapter is stopping; message not answered`);
      return;
    }
    await retrying(() =>
      Promise.all((inbound.remember ?? []).map(([key, value]) => this.store.set(key, value, this.followTtlMs))),
    );
    let outcome: Awaited<ReturnType<ThreadCoordinator<Item>["submit"]>>;
    try {
      // submit queues first: a retry after the item is queued would queue it twice, so only the queueing is retried.
      outcome = await retrying(() => this.coordinator.submit(threadKey, inbound.item));
    } catch (error) {
      if (error instanceof StoreUnreachableError) throw error;
      if (this.accepting) throw error;
      log.warn(`The ${name} adapter stopped before the message was queued; not answered`);
      return;
    }
    log.info(
      { kind: inbound.kind, thread: threadKey },
      outcome === "started"
        ? `Answering a ${name} message`
        : `${name} message queued behind the ${this.threads.threadNoun}'s running answer`,
    );
  }

  /** A stop: never held to the per-user limit, never counted toward it; still subject to the access lists. */
  async stop(request: StopRequest): Promise<void> {
    const { log, threadKey } = request;
    if (request.followedKey && !(await this.isFollowed(request.followedKey))) {
      log.trace(`Stop in a ${this.threads.threadNoun} the bot has not answered in; ignored`);
      return;
    }
    if (request.claim && !(await this.store.claimOnce(request.claim.key, request.claim.ttlMs ?? this.handledTtlMs))) {
      log.info(`${this.threads.displayName} stop already handled; not stopping again`);
      return;
    }
    const place = threadKey ?? `${this.threads.name}:${request.access.channelId}`;
    if (!(await this.admitted(request.access, place, request.openReplyTarget, log, false))) return;
    if (!threadKey) {
      log.info(`Stop asked where the bot has not answered; nothing to stop`);
      return;
    }
    const here = await this.coordinator.stop(threadKey);
    log.info({ thread: threadKey, runningHere: here }, `Stop asked for the ${this.threads.threadNoun}'s answer`);
  }

  /** Resolves when no event is being handled and no answer is running here. */
  async whenIdle(): Promise<void> {
    do {
      await this.work.whenIdle();
      await this.coordinator.idle();
    } while (this.work.size > 0);
  }

  /** Takes no new answers, lets running ones finish within `graceMs`, then aborts the rest and releases their locks. */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    // Waiting messages stay queued for the next start or another replica; only running answers get the grace.
    this.coordinator.beginDrain();
    await idleWithin(graceMs, () => this.whenIdle());
    // Aborts what still runs (the replies say they were stopped) and releases the threads' locks.
    await this.coordinator.close();
    await this.work.drain(0);
  }

  private async isFollowed(key: string): Promise<boolean> {
    return (await this.store.get<boolean>(key)) === true;
  }

  /**
   * The gate's verdict; on a refusal, its one sentence goes into the thread (unless silenced). An access refusal
   * is said once per person and thread: someone outside the allow-list talking in a thread the bot follows
   * must not get the sentence after every message. The rate refusal is said once per burst (the gate decides).
   */
  private async admitted(
    request: AccessRequest,
    threadKey: string,
    openReplyTarget: () => ReplyTarget,
    log: Logger,
    countsTowardLimit: boolean,
    retrying: <T>(operation: () => Promise<T>) => Promise<T> = (operation) => operation(),
  ): Promise<boolean> {
    const decision = this.options.gate?.check(request, { countsTowardLimit });
    if (!decision || decision.allowed) return true;
    log.info({ because: decision.because }, `${this.threads.displayName} request refused by the safety gate`);
    if (!decision.reply) return false;
    if (decision.because === "access" && !(await retrying(() => this.store.claimOnce(intakeKeys.refused(threadKey, request.userId), this.followTtlMs)))) {
      return false;
    }
    try {
      await postSentence(openReplyTarget(), decision.reply, this.work.signal);
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not tell a refused user why");
    }
    return false;
  }

  /**
   * One coordinator run: the thread's waiting messages, answered together (the newest is the question). An earlier
   * run's reply that a crash or restart interrupted is marked first; this run's reply messages are recorded.
   */
  private async answerThread(threadKey: string, items: Item[], signal: AbortSignal, context: RunContext<Item>): Promise<void> {
    if (context.interrupted) await this.markInterrupted(threadKey, context.interrupted);
    const batch = this.ordered(items);
    const newest = batch.at(-1);
    if (!newest) {
      if (context.interrupted?.gaveUp) return;
      this.logger.warn({ thread: threadKey }, `A ${this.threads.threadNoun} run had no readable message; nothing to answer`);
      return;
    }
    const log = this.logger.child({ thread: threadKey, batch: batch.length });
    let turn: Awaited<ReturnType<PlatformThreads<Item>["readTurn"]>>;
    try {
      turn = await this.threads.readTurn(threadKey, batch, log);
    } catch (error) {
      // Nothing reached the model; the people waiting in the thread still hear what happened.
      log.error({ err: describeError(error) }, `Could not read the ${this.threads.displayName} ${this.threads.threadNoun} for an answer`);
      const sorry = `Sorry, I could not reach ${this.threads.displayName} to read this ${this.threads.threadNoun}; please try again in a minute.`;
      await this.threads
        .openReplyTarget(newest)
        .then((target) => postSentence(target, sorry))
        .catch(() => undefined);
      return;
    }
    if (!turn) return;
    if (batch.length > 1) log.info(`Answering the ${this.threads.threadNoun}'s waiting messages together`);
    const target = recordingPosts(turn.target, context.posted);
    const workspace = this.threads.workspaceOf?.(newest);
    const { settingsKeys, ...rest } = turn;
    const settings = settingsKeys ? await this.settings(settingsKeys, log) : undefined;
    await this.options.answerer.answer({ platform: this.threads.name, threadKey, ...(workspace ? { workspace } : {}), ...rest, target, signal, ...(settings ? { settings } : {}) });
  }

  /** The conversation's chosen settings; the defaults when the store cannot say (an answer beats none). */
  private async settings(keys: SettingsKeys, log: Logger): Promise<ConversationSettings | undefined> {
    try {
      return await readConversationSettings(this.store, keys);
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not read the conversation's model and instructions; answering with the defaults");
      return undefined;
    }
  }

  private ordered(items: unknown[]): Item[] {
    return items.filter((item) => this.threads.isQueuedItem(item)).sort((a, b) => this.threads.compareItems(a, b));
  }

  /** The interrupted reply's first message says so (and that the answer follows), the rest are removed. */
  private async markInterrupted(threadKey: string, interrupted: NonNullable<RunContext<Item>["interrupted"]>): Promise<void> {
    const answered = this.ordered(interrupted.items).at(-1);
    if (!answered || interrupted.replies.length === 0) return;
    const log = this.logger.child({ thread: threadKey });
    try {
      const target = await this.threads.reopenReplyTarget(answered, interrupted.replies);
      await markInterruptedReply(target, interrupted.replies, interrupted.gaveUp ? GAVE_UP_NOTE : INTERRUPTED_NOTE, log);
      log.info({ messages: interrupted.replies.length }, "Marked an interrupted reply");
    } catch (error) {
      log.warn({ err: describeError(error) }, `Could not reopen an interrupted reply in the ${this.threads.displayName} ${this.threads.threadNoun}`);
    }
  }
}
