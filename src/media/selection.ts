/**
 * The one selection rule for attachments the model gets, whatever their kind: candidates are downloaded in order
 * (each batch in parallel) until `maxCount` are accepted, so a file that turns out too large, of the wrong kind
 * or not downloadable does not take a good one's place; candidates past that are never downloaded. With
 * `maxTotalBytes`, an accepted file that would take the request past it is left out too (the next, smaller ones
 * may still fit), so one request never carries more than the cap in all.
 */
export interface SelectionLimits {
  maxCount: number;
  /** Most bytes of all accepted files together; no cap when undefined. */
  maxTotalBytes?: number;
}

export interface Selection<R, T> {
  /** Accepted, in candidate order. */
  accepted: T[];
  /** Every download made, in candidate order. */
  results: R[];
  /** Candidates never downloaded because `maxCount` were in. */
  notTried: number;
  /** Accepted by kind and size but left out by `maxTotalBytes`. */
  overTotal: number;
}

export async function selectInOrder<F, R, T extends R>(
  candidates: readonly F[],
  download: (file: F) => Promise<R>,
  accepts: (result: R) => result is T,
  limits: SelectionLimits,
  sizeOf: (accepted: T) => number = () => 0,
): Promise<Selection<R, T>> {
  const results: R[] = [];
  let next = 0;
  let kept = tally(results, accepts, limits, sizeOf);
  while (next < candidates.length) {
    const wanted = limits.maxCount - kept.accepted.length;
    if (wanted <= 0) break;
    const batch = candidates.slice(next, next + wanted);
    next += batch.length;
    results.push(...(await Promise.all(batch.map(download))));
    kept = tally(results, accepts, limits, sizeOf);
  }
  return { ...kept, results, notTried: candidates.length - next };
}

function tally<R, T extends R>(
  results: readonly R[],
  accepts: (result: R) => result is T,
  limits: SelectionLimits,
  sizeOf: (accepted: T) => number,
): { accepted: T[]; overTotal: number } {
  const accepted: T[] = [];
  let bytes = 0;
  let overTotal = 0;
  for (const result of results) {
    if (!accepts(result)) continue;
    const size = sizeOf(result);
    if (limits.maxTotalBytes !== undefined && bytes + size > limits.maxTotalBytes) {
      overTotal++;
      continue;
    }
    bytes += size;
    accepted.push(result);
  }
  return { accepted, overTotal };
}

/** "a, b and c". */
export function joinList(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

export const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

/** A byte count as people read it in a sentence: "10 MB", "256 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return `${Math.round((bytes / 1024) * 10) / 10} KB`;
}
