/**
 * The day a workspace's budget counts in: the UTC calendar day, the same for every replica whatever its time zone,
 * so the budget resets at one moment everywhere (00:00 UTC).
 */

/** "2026-11-26": the UTC day `ms` (epoch milliseconds) falls in. */
export function utcDayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch milliseconds of the next 00:00 UTC after `ms` (a day's budget resets then). */
export function nextUtcMidnight(ms: number): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
}

/** "4 h 20 min", "12 min", "under a minute": how long until `later`, for a sentence. */
export function durationUntil(now: number, later: number): string {
  const minutes = Math.floor(Math.max(0, later - now) / 60_000);
  if (minutes < 1) return "under a minute";
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
