/**
 * A label whose values come from the outside (workspace and server ids), kept to a fixed number of values.
 * Every distinct label value is a time series that Prometheus stores and every scrape sends, for as long as the
 * process lives; a bot in thousands of servers would otherwise grow its /metrics without bound. The first `cap`
 * values seen keep their own series; every later one is counted under "other".
 */
export const OTHER_LABEL = "other";

export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly cap: number) {}

  /** `value` itself while there is room (or it already has a series), else "other". */
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.cap || value === OTHER_LABEL) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}
