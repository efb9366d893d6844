/**
 * Answers as durable work. While a thread's run answers, the store holds a record of it: the thread, the queued
 * items being answered, and the ids of the reply messages posted so far. The record is deleted only once the run
 * has ended (its final edit made, or the answer stopped by a user). A replica that dies mid-answer (kill -9, out of
 * memory) or is shut down past its grace period leaves the record behind; whoever next takes the thread's lock
 * (src/core/thread-coordinator.ts) finds it, marks the stale reply as interrupted, and answers the items again.
 *
 * Store layout: work record `thread:<threadKey>` (StateStore.putWork), TTL WORK_TTL_MS, rewritten on every reply
 * post (which renews it). One record per thread is enough: a thread runs one answer at a time.
 */
import type { StateStore } from "../store/types.js";

/** How long unfinished work is worth resuming: an answer to a question asked over an hour ago is not awaited. */
export const WORK_TTL_MS = 60 * 60_000;

/** After this many resumptions of the same question, the bot gives up on it (something in it kills the bot). */
export const MAX_RESUMPTIONS = 3;

/** Replaces the first message of a reply a restart or crash interrupted; the question is answered again below it. */
export const INTERRUPTED_NOTE = "_(Interrupted: the bot restarted. Answering again below.)_";

/** Replaces a reply whose question interrupted the bot too many times; it is not answered again. */
export const GAVE_UP_NOTE = "_(Interrupted several times: the bot restarted while answering. Please ask again.)_";

/** What a run in progress leaves in the store (plain JSON). */
export interface WorkRecord<Item> {
  threadKey: string;
  /** The queued items the run answers, oldest first. */
  items: Item[];
  /** Ids of every message the run's reply posted (ReplyTarget.post), oldest first; earlier attempts' included. */
  replies: string[];
  /** How many times this question was resumed before this run. */
  resumptions: number;
}

const workKey = (threadKey: string): string => `thread:${threadKey}`;
const QUEUE_PREFIX = "thread:";

export class UnfinishedWork<Item> {
  /** The records this replica wrote for its running threads: updated in memory, written whole. */
  private readonly mine = new Map<string, WorkRecord<Item>>();

  constructor(
    private readonly store: StateStore,
    private readonly ttlMs = WORK_TTL_MS,
  ) {}

  /** The record a run of `threadKey` left unfinished, if any (read by the holder of the thread's lock). */
  async left(threadKey: string): Promise<WorkRecord<Item> | undefined> {
    const record = await this.store.getWork<WorkRecord<Item>>(workKey(threadKey));
    return isRecord<Item>(record) && record.threadKey === threadKey ? record : undefined;
  }

  /** Records that a run of `threadKey` has begun answering `record.items`. */
  async begin(record: WorkRecord<Item>): Promise<void> {
    this.mine.set(record.threadKey, record);
    await this.store.putWork(workKey(record.threadKey), record, this.ttlMs);
  }

  /** Adds a message the running reply posted; the record is rewritten (and so renewed). */
  async posted(threadKey: string, messageId: string): Promise<void> {
    const record = this.mine.get(threadKey);
    if (!record) return;
    record.replies.push(messageId);
    await this.store.putWork(workKey(threadKey), record, this.ttlMs);
  }

  /** The run has ended for good: nothing is left to resume. */
  async finish(threadKey: string): Promise<void> {
    this.mine.delete(threadKey);
    await this.store.deleteWork(workKey(threadKey));
  }

  /** This replica no longer runs `threadKey` but its record stays for whoever resumes it (shutdown, lock lost). */
  leave(threadKey: string): void {
    this.mine.delete(threadKey);
  }

  /** Threads with unfinished work or waiting messages, whoever runs them (the caller checks their locks). */
  async threadsWithWork(): Promise<string[]> {
    const [records, queues] = await Promise.all([this.store.listWork(), this.store.listQueues()]);
    const threads = [...records, ...queues].filter((key) => key.startsWith(QUEUE_PREFIX)).map((key) => key.slice(QUEUE_PREFIX.length));
    return [...new Set(threads)];
  }
}

/** Records come back from the store; one written by another version must not break the resumption. */
function isRecord<Item>(value: unknown): value is WorkRecord<Item> {
  const r = value as Partial<WorkRecord<Item>> | undefined;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.threadKey === "string" &&
    Array.isArray(r.items) &&
    Array.isArray(r.replies) &&
    r.replies.every((id) => typeof id === "string") &&
    typeof r.resumptions === "number"
  );
}
