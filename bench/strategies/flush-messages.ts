/**
 * The other common strategy (the benchmark's baseline): never edit; every 2 s post the text that arrived since
 * the last flush as new messages (cut at the last whitespace, so no word is split across two messages), and the
 * rest when the answer ends. No placeholder. A 429 makes this reply wait out its Retry-After and post the same
 * text again, so nothing is lost; each flush is rendered on its own, as such bots do.
 */
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { layout, messageText } from "../../src/reply/markdown/split.js";
import type { ReplyOutcome } from "../../src/reply/stream-reply.js";
import { RateLimitedError, type MessageRef } from "../../src/reply/target.js";
import { PeerReply } from "./peer-answer.js";
import type { ReplyStrategy } from "../../src/reply/stream-reply.js";

export function flushIntoMessages(intervalMs: number): ReplyStrategy {
  if (!(intervalMs > 0)) throw new RangeError(`A flush timer needs a positive interval (got ${intervalMs}).`);
  return (events, target, options = {}) => new FlushReply(target, intervalMs, options).run(events);
}

class FlushReply extends PeerReply {
  private readonly messages: MessageRef[] = [];
  private readonly texts: string[] = [];
  /** Characters of the answer's Markdown already posted. */
  private flushed = 0;

  async run(events: AsyncIterable<RuntimeEvent>): Promise<ReplyOutcome> {
    const startedAt = this.clock.now();
    const consuming = this.answer.consume(events);
    while (!this.fatal && !this.answer.isOver) {
      const due = startedAt + (Math.floor((this.clock.now() - startedAt) / this.intervalMs) + 1) * this.intervalMs;
      await this.clock.sleep(due - this.clock.now(), this.answer.endedSignal);
      if (this.answer.isOver) break;
      const text = this.answer.text;
      // Up to the last whitespace: the word being written may not be complete yet.
      const end = Math.max(text.lastIndexOf(" "), text.lastIndexOf("\n")) + 1;
      if (end > this.flushed) await this.flush(text.slice(this.flushed, end), end);
    }
    await consuming;
    const markdown = this.answer.finalMarkdown();
    // The rest (or, after a retried answer, whatever does not continue what was posted: shown whole).
    const rest = markdown.startsWith(this.answer.text.slice(0, this.flushed)) ? markdown.slice(this.flushed) : markdown;
    if (!this.fatal) await this.flush(rest, markdown.length);
    return {
      ...this.answer.status(this.fatal),
      messages: [...this.messages],
      leftovers: [],
      markdown,
      text: this.texts.join("\n"),
      ...this.counts,
      retries: this.answer.retries,
      ...(this.firstVisibleAt !== undefined ? { firstVisibleMs: this.firstVisibleAt - (this.answer.firstDeltaAt ?? startedAt) } : {}),
      ...(this.fatal ? { deliveryError: this.fatal } : {}),
    };
  }

  /** Posts `piece` (rendered, split at the length limit) as new messages; `upTo` is what is then posted. */
  private async flush(piece: string, upTo: number): Promise<void> {
    if (piece.trim() === "") return; // Whitespace alone waits for the next words (platforms refuse empty text).
    const rendered = this.render(piece.trim());
    for (const text of layout(rendered, this.maxLength).map(messageText)) {
      if (text.trim() === "") continue;
      const ref = await this.postUntilDone(text);
      if (!ref) return;
      this.messages.push(ref);
      this.texts.push(text);
      this.counts.posts++;
      if (this.firstVisibleAt === undefined) {
        this.firstVisibleAt = this.clock.now();
        this.options.observer?.onFirstVisible?.(this.firstVisibleAt - (this.answer.firstDeltaAt ?? this.firstVisibleAt));
      }
    }
    this.flushed = upTo;
  }

  private async postUntilDone(text: string): Promise<MessageRef | undefined> {
    let failures = 0;
    const maxAttempts = Math.max(1, this.options.maxSendAttempts ?? 3);
    for (;;) {
      try {
        return await this.target.post(text);
      } catch (error) {
        if (error instanceof RateLimitedError) {
          this.counts.rateLimited++;
          this.options.observer?.onRateLimited?.(error.retryAfterMs);
          await this.clock.sleep(Math.max(1, error.retryAfterMs));
          continue;
        }
        if (++failures >= maxAttempts) {
          this.fatal = error instanceof Error ? error : new Error(String(error));
          return undefined;
        }
        await this.clock.sleep(500 * 2 ** (failures - 1));
      }
    }
  }

  private render(markdown: string): string {
    try {
      const out = this.target.render(markdown);
      return typeof out === "string" && out.trim() !== "" ? out : markdown;
    } catch {
      return markdown;
    }
  }
}
