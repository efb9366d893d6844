/**
 * An in-memory ReplyTarget: a stand-in for a chat platform, for the streamer's tests and benchmark and for the
 * core's tests. It keeps every message's text, records every call, can enforce the platform's own rate limit
 * (answering 429 with a retry-after, as the real APIs do) and can fail calls on a script.
 */
import { RateLimitedError, type EditBudget, type MessageRef, type ReplyTarget } from "../../src/reply/target.js";
import type { Clock } from "../../src/reply/clock.js";

/** The platform's side of a rate limit: a sliding window shared by every target in its scope. */
export class PlatformRateLimit {
  private readonly accepted: number[] = [];
  rejected = 0;

  constructor(
    readonly calls: number,
    readonly perMs: number,
    private readonly clock: Clock,
  ) {}

  /** Records a call; returns the retry-after in ms when the call is over the limit. */
  admit(): number | undefined {
    const now = this.clock.now();
    while (this.accepted.length > 0 && this.accepted[0]! <= now - this.perMs) this.accepted.shift();
    if (this.accepted.length >= this.calls) {
      this.rejected++;
      return Math.max(1, this.accepted[0]! + this.perMs - now);
    }
    this.accepted.push(now);
    return undefined;
  }
}

export interface MemoryCall {
  kind: "post" | "edit" | "delete";
  at: number;
  id: string;
  text?: string;
  outcome: "ok" | "rate_limited" | "failed";
}

export interface MemoryTargetOptions {
  clock: Clock;
  budget: EditBudget;
  maxMessageLength: number;
  render?: (markdown: string) => string;
  /** Simulated round-trip time of each call. */
  latencyMs?: number;
  /** The platform's limit on edits (and posts, when `postsCountAgainstLimit`). */
  limit?: PlatformRateLimit;
  postsCountAgainstLimit?: boolean;
  postUsesBudget?: boolean;
  /** Without it the target has no `delete`. */
  canDelete?: boolean;
  /** Called before each call; a returned error is thrown by the call (e.g. a scripted 429). */
  failNext?: (call: { kind: MemoryCall["kind"]; index: number }) => Error | undefined;
}

export class MemoryTarget implements ReplyTarget {
  readonly maxMessageLength: number;
  readonly budget: EditBudget;
  readonly postUsesBudget: boolean | undefined;
  readonly calls: MemoryCall[] = [];
  /** Message ids in posting order (deleted ones removed). */
  readonly order: string[] = [];
  readonly texts = new Map<string, string>();
  readonly delete: ((ref: MessageRef) => Promise<void>) | undefined;
  private nextId = 1;

  constructor(private readonly options: MemoryTargetOptions) {
    this.maxMessageLength = options.maxMessageLength;
    this.budget = options.budget;
    this.postUsesBudget = options.postUsesBudget;
    this.delete = options.canDelete ? (ref) => this.remove(ref) : undefined;
  }

  render(markdown: string): string {
    return this.options.render ? this.options.render(markdown) : markdown;
  }

  async post(text: string): Promise<MessageRef> {
    const id = `m${this.nextId++}`;
    await this.perform("post", id, text, this.options.postsCountAgainstLimit !== false);
    this.order.push(id);
    this.texts.set(id, text);
    return { id };
  }

  async edit(ref: MessageRef, text: string): Promise<void> {
    if (!this.texts.has(ref.id)) throw new Error(`message ${ref.id} does not exist`);
    await this.perform("edit", ref.id, text, true);
    this.texts.set(ref.id, text);
  }

  /** The texts of the messages as the user sees them, in order. */
  visibleTexts(): string[] {
    return this.order.map((id) => this.texts.get(id)!);
  }

  private async remove(ref: MessageRef): Promise<void> {
    await this.perform("delete", ref.id, undefined, false);
    const i = this.order.indexOf(ref.id);
    if (i >= 0) this.order.splice(i, 1);
    this.texts.delete(ref.id);
  }

  private async perform(kind: MemoryCall["kind"], id: string, text: string | undefined, limited: boolean) {
    const at = this.options.clock.now();
    const record: MemoryCall = { kind, at, id, ...(text !== undefined ? { text } : {}), outcome: "ok" };
    this.calls.push(record);
    if (text !== undefined && text.length > this.maxMessageLength) {
      record.outcome = "failed";
      throw new Error(`message too long: ${text.length} > ${this.maxMessageLength}`);
    }
    if (text !== undefined && text.trim() === "") {
      record.outcome = "failed";
      throw new Error("message text is empty");
    }
    const scripted = this.options.failNext?.({ kind, index: this.calls.length - 1 });
    const retryAfter = scripted ? undefined : limited ? this.options.limit?.admit() : undefined;
    if (this.options.latencyMs) await this.options.clock.sleep(this.options.latencyMs);
    if (scripted) {
      record.outcome = scripted instanceof RateLimitedError ? "rate_limited" : "failed";
      throw scripted;
    }
    if (retryAfter !== undefined) {
      record.outcome = "rate_limited";
      throw new RateLimitedError(retryAfter);
    }
  }
}
