/**
 * Slack's bad minutes on demand: for a while, chosen Web API methods fail the way Slack fails. A test turns a
 * fault on (`fakeSlack.faults.fail(...)`) and the fake answers matching calls with it until it runs out.
 */

/** How a call fails. */
export type SlackFault =
  /** Slack's edge answering an HTTP error status (500, 502, 503) with a non-JSON page. */
  | { kind: "http"; status: number }
  /** Slack answering HTTP 200 `{ok: false, error}` with one of its own trouble codes (internal_error, fatal_error, ...). */
  | { kind: "error"; error: string }
  /** No answer at all: the connection is closed under the request. */
  | { kind: "reset" };

interface ActiveFault {
  methods: ReadonlySet<string> | "*";
  fault: SlackFault;
  until: number;
}

export class SlackFaults {
  private active: ActiveFault[] = [];
  /** Calls answered with a fault, by method. */
  readonly injected = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Answers calls to `methods` (or every method, `"*"`) with `fault` for the next `forMs` milliseconds. */
  fail(methods: readonly string[] | "*", fault: SlackFault, forMs: number): void {
    this.active.push({ methods: methods === "*" ? "*" : new Set(methods), fault, until: this.now() + forMs });
  }

  /** Ends every fault now. */
  clear(): void {
    this.active = [];
  }

  /** The fault a call to `method` meets now (the latest one turned on wins), counted; undefined when none. */
  take(method: string): SlackFault | undefined {
    const now = this.now();
    this.active = this.active.filter((f) => f.until > now);
    const hit = this.active.findLast((f) => f.methods === "*" || f.methods.has(method));
    if (!hit) return undefined;
    this.injected.set(method, (this.injected.get(method) ?? 0) + 1);
    return hit.fault;
  }
}
