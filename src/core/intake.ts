/**
 * The one intake every platform shares: what happens to a message or a stop once an adapter has translated it
 * (src/core/platform.ts). In order: the follow-up policy, the exactly-once claim, the access gate (a refused
 * person is told once per person and thread; the rate refusal once per burst), the per-user limit (a stop is
 * never held to it nor counted), stop routing, and the hand-off to the per-thread coordinator, which runs one
 * answer at a time per thread on whichever replica holds its lock. `drain` is the shutdown: no new answers,
 * running ones get the grace period, the rest are aborted with a note.
 */
import type { Logger } from "pino";
import { postSentence, type ReplyTarget } from "../reply/target.js";
import type { AccessRequest } from "../safety/access.js";
import type { StateStore } from "../store/types.js";
import type { AdapterCommonOptions } from "./adapter-options.js";
import type { InboundMessage, PlatformThreads, StopRequest } from "./platform.js";
import { describeError } from "./describe-error.js";
import { RunningWork, idleWithin } from "./running-work.js";
import { ThreadCoordinator } from "./thread-coordinator.js";

const DAY_MS = 24 * 60 * 60_000;

/** What the intake takes of an adapter's options: the common ones every platform has. */
export type IntakeOptions<Item> = Pick<
  AdapterCommonOptions<Item>,
  "answerer" | "store" | "gate" | "coordinator" | "handledTtlMs" | "followTtlMs"
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
      run: (threadKey, items, signal) => this.answerThread(threadKey, items, signal),
    });
  }

  /** Aborted when shutdown's grace period is over. */
  get signal(): AbortSignal {
    return this.work.signal;
  }

  /** Runs an event handler in the background, tracked for shutdown; its failure is logged, never thrown. */
  track(handler: Promise<void>): void {
    this.work.track(handler);
  }

  /** A message addressed to the bot: answered once, if the person may, by the thread's next run. */
  async message(inbound: InboundMessage<Item>): Promise<void> {
    const { log, threadKey } = inbound;
    const name = this.threads.displayName;
    if (inbound.followedKey && !(await this.isFollowed(inbound.followedKey))) {
      log.trace(`Reply in a ${this.threads.threadNoun} the bot has not answered in; ignored`);
      return;
    }
    if (!(await this.store.claimOnce(inbound.messageKey, this.handledTtlMs))) {
      log.info({ kind: inbound.kind }, `${name} message already handled; not answering again`);
      return;
    }
    if (!(await this.admitted(inbound.access, threadKey, inbound.openReplyTarget, log, true))) return;
    if (!this.accepting) {
      log.warn(`The ${name} adapter is stopping; message not answered`);
      return;
    }
    await Promise.all(
      (inbound.remember ?? []).map(([key, value]) => this.store.set(key, value, this.followTtlMs)),
    );
    let outcome: Awaited<ReturnType<ThreadCoordinator<Item>["submit"]>>;
    try {
      outcome = await this.coordinator.submit(threadKey, inbound.item);
    } catch (error) {
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
  ): Promise<boolean> {
    const decision = this.options.gate?.check(request, { countsTowardLimit });
    if (!decision || decision.allowed) return true;
    log.info({ because: decision.because }, `${this.threads.displayName} request refused by the safety gate`);
    if (!decision.reply) return false;
    if (decision.because === "access" && !(await this.store.claimOnce(intakeKeys.refused(threadKey, request.userId), this.followTtlMs))) {
      return false;
    }
    try {
      await postSentence(openReplyTarget(), decision.reply, this.work.signal);
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not tell a refused user why");
    }
    return false;
  }

  /** One coordinator run: the thread's waiting messages, answered together (the newest is the question). */
  private async answerThread(threadKey: string, items: Item[], signal: AbortSignal): Promise<void> {
    const batch = items.filter((item) => this.threads.isQueuedItem(item)).sort((a, b) => this.threads.compareItems(a, b));
    const newest = batch.at(-1);
    if (!newest) {
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
    await this.options.answerer.answer({ platform: this.threads.name, threadKey, ...turn, signal });
  }
}
