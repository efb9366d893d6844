/**
 * Discord's bad minutes on demand: for a while, chosen REST routes fail the way Discord (and Cloudflare in front
 * of it) fails. A test turns a fault on (`fakeDiscord.faults.fail(...)`) and matching calls meet it until it ends.
 */

/** How a call fails: an HTTP 5xx (500 from Discord, 502/503 from its edge), or no answer (the connection closed). */
export type DiscordFault = { kind: "http"; status: number } | { kind: "reset" };

interface ActiveFault {
  /** Routes as RestCall names them, e.g. `PATCH /channels/:id/messages/:id`; or every route. */
  routes: ReadonlySet<string> | "*";
  fault: DiscordFault;
  until: number;
}

/** The routes a streamed answer writes with: creating and editing messages. */
export const MESSAGE_WRITE_ROUTES = ["POST /channels/:id/messages", "PATCH /channels/:id/messages/:id"] as const;

export class DiscordFaults {
  private active: ActiveFault[] = [];
  /** Calls answered with a fault, by route. */
  readonly injected = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Answers calls to `routes` (or every route, `"*"`) with `fault` for the next `forMs` milliseconds. */
  fail(routes: readonly string[] | "*", fault: DiscordFault, forMs: number): void {
    this.active.push({ routes: routes === "*" ? "*" : new Set(routes), fault, until: this.now() + forMs });
  }

  clear(): void {
    this.active = [];
  }

  /** The fault a call to `route` meets now (the latest one turned on wins), counted; undefined when none. */
  take(route: string): DiscordFault | undefined {
    const now = this.now();
    this.active = this.active.filter((f) => f.until > now);
    const hit = this.active.findLast((f) => f.routes === "*" || f.routes.has(route));
    if (!hit) return undefined;
    this.injected.set(route, (this.injected.get(route) ?? 0) + 1);
    return hit.fault;
  }
}
