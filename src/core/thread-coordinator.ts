import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { StateStore } from "../store/types.js";
import { ThreadRunAbort } from "./thread-run-abort.js";

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
 */

/** Answers `items` (oldest first) for one thread; must stop promptly when `signal` aborts. */
export type ThreadRun<T> = (threadKey: string, items: T[], signal: AbortSignal) => Promise<void>;

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
}

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
  private closed = false;

  constructor(private readonly options: ThreadCoordinatorOptions<T>) {
    this.store = options.store;
    this.logger = options.logger;
    this.lockTtlMs = options.lockTtlMs ?? 30_000;
    this.stopPollMs = options.stopPollMs ?? 1_000;
    this.queueTtlMs = options.queueTtlMs ?? 15 * 60_000;
    this.replicaId = options.replicaId ?? randomUUID().slice(0, 8);
  }

  /**
   * Queues `item` for `threadKey` and starts a run if none is active anywhere. Resolves once the item is
   * safely queued: "started" when this call began a run, "queued" when an active run will pick it up after.
   */
  async submit(threadKey: string, item: T): Promise<SubmitOutcome> {
    if (this.closed) throw new Error("The thread coordinator is shut down and takes no new messages.");
    await this.store.enqueue(queueKey(threadKey), item, this.queueTtlMs);
    if (await this.tryStart(threadKey)) return "started";
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
   * Aborts local runs, releases their locks and stops watching; waiting messages stay for other replicas.
   * Gives up waiting after `timeoutMs` (a dead store must not block shutdown; its locks expire on their own).
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
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
      while (!this.closed) {
        const items = await this.store.dequeueAll<T>(queueKey(threadKey));
        if (items.length === 0) break;
        lockLost = await this.runBatch(threadKey, owner, items);
        if (lockLost) return;
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
    if (this.closed) return;
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

  /** One run over `items` while keeping the lock alive; true when the lock was lost meanwhile. */
  private async runBatch(threadKey: string, owner: string, items: T[]): Promise<boolean> {
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
      await this.options.run(threadKey, items, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) this.logger.debug({ err: error, threadKey }, "aborted thread run ended with an error");
      else this.logger.error({ err: error, threadKey }, "thread run failed");
    } finally {
      clearInterval(refresh);
      clearInterval(stopPoll);
      this.active.delete(threadKey);
    }
    return lockLost;
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
    if (this.closed || this.takeoverTimers.has(threadKey)) return;
    const timer = setTimeout(() => {
      this.takeoverTimers.delete(threadKey);
      if (this.closed || this.active.has(threadKey)) return;
      void (async () => {
        if ((await this.store.queueLength(queueKey(threadKey))) === 0) return;
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
