/**
 * Keeps a target's status line (ReplyTarget.statusLine) saying what the runtime is doing while an answer is
 * worked on: thinking, the tool it runs, a retry. It follows the answer's events without changing them, renews
 * the line before the platform lets it lapse, and clears it when the answer is over. A status line is a nicety:
 * its calls never hold up or fail the answer.
 */
import type { RuntimeEvent } from "../runtime/events.js";
import type { StatusLine, WorkStatus } from "./target.js";

/** The runtime's events, passed on unchanged, with the status line following them. */
export async function* followWithStatus(events: AsyncIterable<RuntimeEvent>, line: StatusLine): AsyncGenerator<RuntimeEvent> {
  const follower = new StatusFollower(line);
  follower.set({ kind: "thinking" });
  try {
    for await (const event of events) {
      follower.see(event);
      yield event;
    }
  } finally {
    follower.end();
  }
}

class StatusFollower {
  private readonly running = new Map<string, string>();
  private shown = "";
  private renewal: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  /** One call at a time, in order: a later status never lands before an earlier one. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly line: StatusLine) {}

  see(event: RuntimeEvent): void {
    switch (event?.type) {
      case "tool_start":
        this.running.set(event.toolCallId, String(event.toolName ?? ""));
        this.set({ kind: "tool", toolName: String(event.toolName ?? "") });
        return;
      case "tool_end": {
        this.running.delete(event.toolCallId);
        const still = [...this.running.values()].pop();
        this.set(still === undefined ? { kind: "thinking" } : { kind: "tool", toolName: still });
        return;
      }
      case "retry":
        this.running.clear();
        this.set({ kind: "retrying" });
        return;
      case "delta":
        if (this.running.size === 0) this.set({ kind: "thinking" });
        return;
      default:
        return;
    }
  }

  set(status: WorkStatus, renew = false): void {
    const key = JSON.stringify(status);
    if (this.ended || (key === this.shown && !renew)) return;
    this.shown = key;
    this.enqueue(() => this.line.show(status));
    // Renewed well before the platform drops it (Slack: two minutes without a message).
    clearTimeout(this.renewal);
    this.renewal = setTimeout(() => this.set(status, true), Math.max(1_000, this.line.lapseMs * 0.75));
    this.renewal.unref?.();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.renewal);
    this.enqueue(() => this.line.clear());
  }

  private enqueue(call: () => Promise<void>): void {
    this.chain = this.chain.then(call).catch(() => undefined);
  }
}
