/**
 * The most calls seen in any sliding window of `perMs`: how the platforms count their rate limits, so the tests
 * check a budget the way Slack and Discord would.
 */
export function peakInWindow(times: readonly number[], perMs: number): number {
  let peak = 0;
  let lo = 0;
  const sorted = [...times].sort((a, b) => a - b);
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= perMs) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}
