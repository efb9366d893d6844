import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { StateStore } from "../store/types.js";
import { ThreadRunAbort, threadAbortKind } from "./thread-run-abort.js";
import { MAX_RESUMPTIONS, UnfinishedWork, type WorkRecord } from "./unfinished-work.js";

/**
 * Answers one thread's messages in order, across replicas.
 *
 * Every submitted item goes into the thread's queue in the store; whoever holds the thread's lock drains the
 * whole queue into ONE run, and keeps draining until the queue is empty, then unlocks. So messages that
 * arrive while an answer streams are answered together by the next run, on whichever replica holds the lock.
 *
 * Why it cannot strand a message: a submitter enqueues BEFORE trying the lock, and the holder re-checks the
 * queue AFTER unlocking. Either the holder's re-check sees the item, or the item's tryLock comes after the
 * unlock and succeeds. A crashed holder's lock expires; replicas with waiting items poll for that and take over.
 *
 * Why it cannot lose an answer: a run records its items in the store before answering and deletes the record only
 * once the run has ended (src/core/unfinished-work.ts). Whoever takes the thread's lock next answers what a dead
 * run left, together with the waiting items. Every replica looks for such threads (unfinished records, and queues
 * nobody drains, say after a clean restart) at start and every `resumeEveryMs`; taking the thread's lock is the
 * atomic claim, so exactly one replica resumes each.
 */

/** Answers `items` (oldest first) for one thread; must stop promptly when `signal` aborts. */
export type ThreadRun<T> = (threadKey: string, items: T[], signal: AbortSignal, context: RunContext<T>) => Promise<void>;

/** What a run is told about durable work. */
export interface RunContext<T> {
  /**
   * An earlier run of this thread that did not end (its replica died, or was shut down mid-answer): its reply
   * messages are to be marked as interrupted before anything else. `gaveUp`: its question interrupted the bot
   * too often and is not in `items` again.
   */
  interrupted?: { items: T[]; replies: string[]; gaveUp: boolean };
  /** To be told the id of every message the run's reply posts, so a crash leaves them findable. */
  posted(messageId: string): Promise<void>;
}

export interface ThreadCoordinatorOptions<T> {
  store: StateStore;
  /** The same handler on every replica: a queued item may be answered by a replica other than its receiver. */
  run: ThreadRun<T>;
  logger: Logger;
  /** Lifetime of a thread lock between refreshes; a crashed replica's threads are taken over after this. */
  lockTtlMs?: number;
  /** How often a running thread looks for a stop asked on another replica. */
  stopPollMs?: number;
  /** How long a waiting message is kept if nobody answers it. */
  queueTtlMs?: number;
  /** Names this replica in lock owners (for debugging); random by default. */
  replicaId?: string;
  /** How often this replica looks for unfinished work and undrained queues (default: the lock TTL, at most 30 s). */
  resumeEveryMs?: number;
  /** Which threads are this coordinator's (the store is shared by every platform): default all. */
  ownsThread?: (threadKey: string) => boolean;
}

/** How one run ended, for the thread's record. */
type RunEnd = "done" | "lock_lost" | "shutdown";

export type SubmitOutcome = "started" | "queued";

const lockKey = (threadKey: string): string => `thread:${threadKey}`;
const queueKey = (threadKey: string): string => `thread:${threadKey}`;
const stopKey = (threadKey: string): string => `thread-stop:${threadKey}`;

export class ThreadCoordinator<T> {
  private readonly store: StateStore;
  private readonly logger: Logger;
  private readonly lockTtlMs: number;
  private readonly stopPollMs: number;
  private readonly queueTtlMs: number;
  private readonly replicaId: string;
  /** Runs executing in this process, by thread. */
  private readonly active = new Map<string, AbortController>();
  private readonly loops = new Set<Promise<void>>();
  private readonly takeoverTimers = new Map<string, NodeJS.Timeout>();
  private readonly work: UnfinishedWork<T>;
  private readonly resumeEveryMs: number;
  private resumeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Shutting down: runs in progress may finish, no new run starts (waiting items stay for the next owner). */
  private draining = false;

  constructor(private readonly options: ThreadCoordinatorOptions<T>) {
    this.store = options.store;
    this.logger = options.logger;
    this.lockTtlMs = options.lockTtlMs ?? 30_000;
    this.stopPollMs = options.stopPollMs ?? 1_000;
    this.queueTtlMs = options.queueTtlMs ?? 15 * 60_000;
    this.replicaId = options.replicaId ?? randomUUID().slice(0, 8);
    this.work = new UnfinishedWork<T>(this.store);
    this.resumeEveryMs = options.resumeEveryMs ?? Math.min(this.lockTtlMs, 30_000);
  }

  /**
   * Queues `item` for `threadKey` and starts a run if none is active anywhere. Resolves once the item is
   * safely queued: "started" when this call began a run, "queued" when an active run will pick it up after.
   */
  async submit(threadKey: string, item: T): Promise<SubmitOutcome> {
    if (this.closed) throw new Error("The thread coordinator is shut down and takes no new messages.");
    await this.store.enqueue(queueKey(threadKey), item, this.queueTtlMs);
    try {
      if (await this.tryStart(threadKey)) return "started";
    } catch (error) {
      // The item is queued: whoever takes the thread answers it (this replica once the store answers again).
      this.logger.warn({ err: error, threadKey }, "thread lock could not be tried; the message waits in the queue");
    }
    this.watchForTakeover(threadKey);
    return "queued";
  }

  /**
   * Aborts the thread's running answer. True when it ran here; otherwise leaves a stop request that the
   * replica running it sees within `stopPollMs`. Waiting messages are kept unless `dropQueued`.
   */
  async stop(threadKey: string, options: { dropQueued?: boolean } = {}): Promise<boolean> {
    if (options.dropQueued) await this.store.dequeueAll(queueKey(threadKey));
    const local = this.active.get(threadKey);
    if (local) {
      local.abort(new ThreadRunAbort("stopped"));
      return true;
    }
    await this.store.set(stopKey(threadKey), true, Math.max(this.lockTtlMs, this.stopPollMs * 5));
    return false;
  }

  /** True while this process is answering `threadKey`. */
  isRunning(threadKey: string): boolean {
    return this.active.has(threadKey);
  }

  /** Resolves when this process has no run in progress (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.allSettled([...this.loops]);
  }

  /**
   * Looks for unfinished work and waiting messages nobody is answering, now and every `resumeEveryMs`, and
   * resumes the threads whose lock it can take. Called once the platform can read threads and post.
   */
  startResuming(): void {
    if (this.closed || this.draining || this.resumeTimer) return;
    void this.resumeOrphans();
    this.resumeTimer = setInterval(() => void this.resumeOrphans(), this.resumeEveryMs);
    this.resumeTimer.unref();
  }

  /** One look for orphaned threads; resolves with how many runs it started here. Never throws. */
  async resumeOrphans(): Promise<number> {
    if (this.closed || this.draining) return 0;
    let threads: string[];
    try {
      threads = await this.work.threadsWithWork();
    } catch (error) {
      this.logger.debug({ err: error }, "could not list unfinished work; looking again later");
      return 0;
    }
    let started = 0;
    for (const threadKey of threads) {
      if (this.closed || this.draining) break;
      if (this.active.has(threadKey) || !(this.options.ownsThread?.(threadKey) ?? true)) continue;
      // Taking the lock is the claim: a live owner holds it, and of the replicas looking, one gets it.
      if (await this.tryStart(threadKey).catch(() => false)) started += 1;
    }
    return started;
  }

  /** Shutdown begins: no run starts any more here; running ones go on until `close`. */
  beginDrain(): void {
    this.draining = true;
    clearInterval(this.resumeTimer);
    for (const timer of this.takeoverTimers.values()) clearTimeout(timer);
    this.takeoverTimers.clear();
  }

  /**
   * Aborts local runs, releases their locks and stops watching; waiting messages stay for other replicas.
   * Gives up waiting after `timeoutMs` (a dead store must not block shutdown; its locks expire on their own).
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    clearInterval(this.resumeTimer);
    for (const timer of this.takeoverTimers.values()) clearTimeout(timer);
    this.takeoverTimers.clear();
    for (const controller of this.active.values()) controller.abort(new ThreadRunAbort("shutdown"));
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
      timer.unref();
    });
    if ((await Promise.race([this.idle(), gaveUp])) === "timeout") {
      this.logger.warn({ runs: this.loops.size }, "thread runs did not finish in time during shutdown");
    }
    clearTimeout(timer);
  }

  private async tryStart(threadKey: string): Promise<boolean> {
    if (this.draining || this.closed) return false;
    // A fresh owner per run: a second submit on this replica must not re-enter the lock a run here holds.
    const owner = `${this.replicaId}:${randomUUID()}`;
    if (!(await this.store.tryLock(lockKey(threadKey), owner, this.lockTtlMs))) return false;
    const loop = this.drain(threadKey, owner);
    this.loops.add(loop);
    // drain() handles its own errors; the catch only keeps a surprise from becoming an unhandled rejection.
    void loop.catch((error: unknown) => this.logger.error({ err: error, threadKey }, "thread drain failed")).finally(() => this.loops.delete(loop));
    return true;
  }

  /** Holding the lock: run batches until the queue is empty, unlock, then re-check for late arrivals. */
  private async drain(threadKey: string, owner: string): Promise<void> {
    let lockLost = false;
    let failed = false;
    try {
      // What a dead run left is read once, as the lock is taken; later rounds find only this replica's own.
      let left = await this.work.left(threadKey);
      while (!this.closed && !this.draining) {
        const items = await this.store.dequeueAll<T>(queueKey(threadKey));
        if (items.length === 0 && !left) break;
        const ended = await this.runBatch(threadKey, owner, items, left);
        left = undefined;
        lockLost = ended === "lock_lost";
        if (ended !== "done") break;
      }
    } catch (error) {
      failed = true;
      this.logger.error({ err: error, threadKey }, "thread queue could not be read from the state store");
    } finally {
      if (!lockLost) {
        await this.store.unlock(lockKey(threadKey), owner).catch((error: unknown) => {
          this.logger.warn({ err: error, threadKey }, "thread lock could not be released; it will expire");
        });
      }
    }
    if (this.closed || this.draining || lockLost) return;
    if (failed) {
      this.watchForTakeover(threadKey);
      return;
    }
    try {
      if ((await this.store.queueLength(queueKey(threadKey))) > 0 && !(await this.tryStart(threadKey))) {
        this.watchForTakeover(threadKey);
      }
    } catch (error) {
      this.logger.warn({ err: error, threadKey }, "thread queue re-check failed; retrying later");
      this.watchForTakeover(threadKey);
    }
  }

  /**
   * One run over `queued` (and what a dead run `left`) while keeping the lock alive, recorded as unfinished work
   * until it ends: kept when the lock was lost or shutdown cut it short, so that it is resumed.
   */
  private async runBatch(threadKey: string, owner: string, queued: T[], left: WorkRecord<T> | undefined): Promise<RunEnd> {
    const gaveUp = left !== undefined && left.resumptions >= MAX_RESUMPTIONS;
    const items = left && !gaveUp ? [...left.items, ...queued] : queued;
    if (left) {
      this.logger.info({ threadKey, resumptions: left.resumptions, gaveUp }, "resuming an answer a stopped or dead run left unfinished");
    }
    // Written before answering; a store that fails here only makes this answer not durable.
    await this.work
      .begin({ threadKey, items, replies: [...(left?.replies ?? [])], resumptions: left && !gaveUp ? left.resumptions + 1 : 0 })
      .catch((error: unknown) => this.logger.warn({ err: error, threadKey }, "could not record the answer as work in progress"));
    const context: RunContext<T> = {
      ...(left ? { interrupted: { items: left.items, replies: left.replies, gaveUp } } : {}),
      posted: (messageId) =>
        this.work.posted(threadKey, messageId).catch((error: unknown) => {
          this.logger.warn({ err: error, threadKey }, "could not record a posted reply message");
        }),
    };
    const controller = new AbortController();
    this.active.set(threadKey, controller);
    let lockLost = false;
    // A stop asked before this run began was meant for an earlier one.
    await this.store.delete(stopKey(threadKey)).catch(() => undefined);

    let renewing = false;
    const refresh = setInterval(() => {
      // One renewal at a time: a store that hangs must not pile them up.
      if (renewing) return;
      renewing = true;
      void this.renewLock(threadKey, owner)
        .then((lock) => {
          // Only another replica holding the thread ends this answer; a store that does not answer does not.
          if (lock !== "taken" || controller.signal.aborted) return;
          lockLost = true;
          this.logger.warn({ threadKey }, "another replica holds this thread's lock now; abandoning this answer");
          controller.abort(new ThreadRunAbort("lock_lost"));
        })
        .finally(() => (renewing = false));
    }, Math.max(1, Math.floor(this.lockTtlMs / 3)));
    const stopPoll = setInterval(() => {
      void this.store.get<boolean>(stopKey(threadKey)).then(
        (asked) => {
          if (!asked || controller.signal.aborted) return;
          void this.store.delete(stopKey(threadKey)).catch(() => undefined);
          controller.abort(new ThreadRunAbort("stopped"));
        },
        () => undefined,
      );
    }, this.stopPollMs);
    refresh.unref();
    stopPoll.unref();

    try {
      await this.options.run(threadKey, items, controller.signal, context);
    } catch (error) {
      if (controller.signal.aborted) this.logger.debug({ err: error, threadKey }, "aborted thread run ended with an error");
      else this.logger.error({ err: error, threadKey }, "thread run failed");
    } finally {
      clearInterval(refresh);
      clearInterval(stopPoll);
      this.active.delete(threadKey);
    }
    // Cut short by a lost lock or by shutdown: the record stays for whoever takes the thread next.
    const ended: RunEnd = lockLost ? "lock_lost" : threadAbortKind(controller.signal) === "shutdown" ? "shutdown" : "done";
    if (ended !== "done") {
      this.work.leave(threadKey);
      return ended;
    }
    await this.finishWork(threadKey);
    return ended;
  }

  /** Deletes the run's record, retrying a little: a record left behind would have the question answered twice. */
  private async finishWork(threadKey: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.work.finish(threadKey);
        return;
      } catch (error) {
        if (attempt >= 4 || this.closed) {
          this.logger.warn({ err: error, threadKey }, "could not mark the answer done; it may be answered again");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }

  /**
   * Renews a running thread's lock. "held": it is ours for another lifetime, also when its key had vanished (a
   * store restarted or failed over without it) and was free to take again; "taken": another replica holds it;
   * "unreachable": the store did not answer. While nobody reaches the store nobody can take the lock either, so
   * the answer goes on; the next renewal tells again.
   */
  private async renewLock(threadKey: string, owner: string): Promise<"held" | "taken" | "unreachable"> {
    try {
      if (await this.store.refreshLock(lockKey(threadKey), owner, this.lockTtlMs)) return "held";
      if (!(await this.store.tryLock(lockKey(threadKey), owner, this.lockTtlMs))) return "taken";
      this.logger.warn({ threadKey }, "thread lock had vanished from the state store (a restart or failover); taken again");
      return "held";
    } catch (error) {
      this.logger.warn({ err: error, threadKey }, "thread lock could not be renewed: the state store did not answer; answering on");
      return "unreachable";
    }
  }

  /**
   * Items wait here while another replica holds the lock. If that replica dies, nobody drains them, so check
   * back after a lock lifetime and take over when the lock has expired.
   */
  private watchForTakeover(threadKey: string): void {
    if (this.closed || this.draining || this.takeoverTimers.has(threadKey)) return;
    const timer = setTimeout(() => {
      this.takeoverTimers.delete(threadKey);
      if (this.closed || this.active.has(threadKey)) return;
      void (async () => {
        if ((await this.store.queueLength(queueKey(threadKey))) === 0 && !(await this.work.left(threadKey))) return;
        if (!(await this.tryStart(threadKey))) this.watchForTakeover(threadKey);
      })().catch((error: unknown) => {
        this.logger.warn({ err: error, threadKey }, "thread takeover check failed; retrying later");
        this.watchForTakeover(threadKey);
      });
    }, this.lockTtlMs);
    timer.unref();
    this.takeoverTimers.set(threadKey, timer);
  }
}
