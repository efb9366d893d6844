/** Every key threadpilot writes lives under this prefix, so a shared Redis or SQLite file stays tidy. */
export const NAMESPACE = "threadpilot";

export const valueKey = (key: string): string => `${NAMESPACE}:value:${key}`;
export const claimKey = (key: string): string => `${NAMESPACE}:claim:${key}`;
export const lockKey = (key: string): string => `${NAMESPACE}:lock:${key}`;
export const queueKey = (key: string): string => `${NAMESPACE}:queue:${key}`;

/** Rejects TTLs that would make a lock or claim last forever or never exist. */
export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`A store TTL must be a positive number of milliseconds, got ${ttlMs}.`);
  return Math.ceil(ttlMs);
}
