/** Every key threadpilot writes lives under this prefix, so a shared Redis or SQLite file stays tidy. */
export const NAMESPACE = "threadpilot";

export const valueKey = (key: string): string => `${NAMESPACE}:value:${key}`;
export const claimKey = (key: string): string => `${NAMESPACE}:claim:${key}`;
export const lockKey = (key: string): string => `${NAMESPACE}:lock:${key}`;
export const queueKey = (key: string): string => `${NAMESPACE}:queue:${key}`;
export const workKey = (key: string): string => `${NAMESPACE}:work:${key}`;

/** Rejects TTLs that would make a lock or claim last forever or never exist. */
export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`A store TTL must be a positive number of milliseconds, got ${ttlMs}.`);
  return Math.ceil(ttlMs);
}

export const counterKey = (key: string): string => `${NAMESPACE}:counter:${key}`;

/** Rejects an add that is not a whole number of at least 0 (a counter only grows; floats would drift across backends). */
export function checkCounterAdd(by: number): number {
  if (!Number.isSafeInteger(by) || by < 0) throw new RangeError(`A counter grows by a whole number of at least 0, got ${by}.`);
  return by;
}

export const rateKey = (key: string): string => `${NAMESPACE}:rate:${key}`;
export const ratePauseKey = (key: string): string => `${NAMESPACE}:rate-pause:${key}`;

/** Rejects a window that would allow nothing, or everything. */
export function checkRate(calls: number, perMs: number): { calls: number; perMs: number } {
  if (!Number.isInteger(calls) || calls < 1) throw new RangeError(`A rate needs a whole number of calls of at least 1, got ${calls}.`);
  if (!Number.isFinite(perMs) || perMs <= 0) throw new RangeError(`A rate needs a positive window in milliseconds, got ${perMs}.`);
  return { calls, perMs: Math.ceil(perMs) };
}

export const memberCountsKey = (key: string): string => `${NAMESPACE}:member-counts:${key}`;

/** Rejects a reported count that is not a whole number of at least 0 (it is summed across replicas). */
export function checkMemberCount(count: number): number {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`A reported count is a whole number of at least 0, got ${count}.`);
  return count;
}

/** Rejects an empty member name: every replica's count must be told apart from the others'. */
export function checkMember(member: string): string {
  if (typeof member !== "string" || member === "") throw new RangeError("A reported count needs the name of the replica reporting it.");
  return member;
}
