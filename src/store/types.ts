/**
 * State shared by every replica: handled-event records, per-thread locks, small thread state, the queues of
 * waiting messages and the platforms' shared rate windows. Every operation is atomic across replicas.
 * Backed by keyv (SQLite file by default, Redis for several replicas, memory for tests).
 */
export interface StateStore {
  /**
   * Records `key` for `ttlMs` if nobody has; true when this call recorded it. Atomic across replicas,
   * so of N deliveries of one event exactly one caller gets true.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Takes the lock `key` for `owner` unless another owner holds it; it expires after `ttlMs`. */
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lock `owner` still holds; false when it was lost (expired and taken). */
  refreshLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `owner` still holds it. */
  unlock(key: string, owner: string): Promise<void>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  // Small FIFO queues hand waiting thread messages from one replica to whichever holds the thread's lock.
  /** Appends `value` (JSON-serialisable) to the queue `key`; it is kept at least `ttlMs`, then may be dropped. */
  enqueue<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /** Removes and returns every queued value, oldest first; two concurrent callers never get the same value. */
  dequeueAll<T>(key: string): Promise<T[]>;
  /** How many values wait in the queue `key`. */
  queueLength(key: string): Promise<number>;
  /** The keys (as given to `enqueue`) of every queue holding values: waiting messages nobody may be draining. */
  listQueues(): Promise<string[]>;
  // Records of work in progress (an answer being written), kept until the work is done: a replica that dies
  // mid-answer leaves its record, and whoever lists the records finds the unfinished work and resumes it.
  /** Writes (or replaces) the record `key` (JSON-serialisable); it is kept at least `ttlMs`, then may be dropped. */
  putWork<T>(key: string, value: T, ttlMs: number): Promise<void>;
  getWork<T>(key: string): Promise<T | undefined>;
  deleteWork(key: string): Promise<void>;
  /** The keys of every live work record. */
  listWork(): Promise<string[]>;
  // Shared sliding-window rate limits: replicas sharing a platform scope (a Slack workspace, a Discord channel)
  // share its call budget instead of each spending the platform's whole allowance.
  /**
   * Whether other processes can see this store's data (Redis, a SQLite file), so a rate kept here binds them
   * all; false for the in-process memory store.
   */
  readonly sharedBetweenProcesses: boolean;
  /**
   * Takes one call of the window `key` — at most `calls` in any `perMs` milliseconds, counted over every
   * replica — unless the window is full or paused. Atomic across replicas. Resolves 0 when the call was taken
   * (and recorded); otherwise the milliseconds until one may be free (nothing is recorded then).
   */
  takeRateSlot(key: string, calls: number, perMs: number): Promise<number>;
  /** Holds the window `key` for every replica: no slot is granted for `ms` from now (a pause only lengthens). */
  pauseRate(key: string, ms: number): Promise<void>;
  // Shared counters (a workspace's usage of the day): replicas add to one total without losing each other's adds.
  /**
   * Adds `by` (a whole number, at least 0) to the counter `key` and resolves its new total; atomic across
   * replicas. A counter starts at 0, and is kept at least `ttlMs` after its last add, then may be dropped.
   */
  addToCounter(key: string, by: number, ttlMs: number): Promise<number>;
  /** The counter's total; 0 for one never added to (or dropped). */
  readCounter(key: string): Promise<number>;
  // Counts each replica keeps of its own (the answers it streams in a platform scope), summed for all of them.
  /**
   * Records that `member` (a replica) now has `count` (a whole number, at least 0; 0 removes it) under `key`, kept
   * `ttlMs` unless reported again, and resolves the sum of every member's live count under `key`, this one's
   * included. A member that stops reporting (a crashed replica) stops counting once its TTL ran out.
   */
  reportCount(key: string, member: string, count: number, ttlMs: number): Promise<number>;
}
