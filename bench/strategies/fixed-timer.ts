/**
 * The editing strategy most chat bots use (the benchmark's baseline): post a placeholder, then on a fixed timer
 * (every 500 ms, or every second) edit the reply to show the text so far, with no budget shared between replies.
 * A tick is skipped while the previous edit is still in flight; a 429 makes this reply (only this one) wait out
 * its Retry-After, as Slack's and Discord's clients do; the final text is retried until it lands.
 *
 * To compare pacing and nothing else, it splits long answers over messages with the product's own layout.
 */
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { DEFAULT_PLACEHOLDER, LEFTOVER_FILLER } from "../../src/reply/notices.js";
import { layout, messageText } from "../../src/reply/markdown/split.js";
import type { ReplyOutcome } from "../../src/reply/stream-reply.js";
import { RateLimitedError, type MessageRef } from "../../src/reply/target.js";
import { PeerReply } from "./peer-answer.js";
import type { ReplyStrategy } from "../../src/reply/stream-reply.js";

export function fixedTimerReply(intervalMs: number): ReplyStrategy {
  if (!(intervalMs > 0)) throw new RangeError(`A fixed edit timer needs a positive interval (got ${intervalMs}).`);
  return (events, target, options = {}) => new FixedTimerReply(target, intervalMs, options).run(events);
}

interface Shown {
  ref: MessageRef;
  text: string;
}

class FixedTimerReply extends PeerReply {
  private readonly messages: Shown[] = [];
  private sealed: string[] = [];
  private pausedUntil = -Infinity;
  private shownVersion = -1;

  async run(events: AsyncIterable<RuntimeEvent>): Promise<ReplyOutcome> {
    const startedAt = this.clock.now();
    const consuming = this.answer.consume(events);
    const placeholder = this.options.placeholder?.trim() ? this.options.placeholder : DEFAULT_PLACEHOLDER;
    await this.untilShown([this.render(placeholder)], false);
    // The timer: ticks at fixed times from the start; a tick that finds an edit in flight is simply missed.
    while (!this.fatal && !this.answer.isOver) {
      const due = startedAt + (Math.floor((this.clock.now() - startedAt) / this.intervalMs) + 1) * this.intervalMs;
      await this.clock.sleep(due - this.clock.now(), this.answer.endedSignal);
      if (this.answer.isOver) break;
      if (this.clock.now() < this.pausedUntil || this.answer.version === this.shownVersion) continue;
      const version = this.answer.version;
      const text = this.answer.text;
      if (text.trim() === "") continue;
      try {
        await this.show(this.streamingTexts(text));
        this.shownVersion = version;
        this.noteVisible();
      } catch (error) {
        this.failed(error);
      }
    }
    await consuming;
    const markdown = this.answer.finalMarkdown();
    const rendered = this.render(markdown);
    const finalTexts = layout(rendered, this.maxLength, this.sealed).map(messageText);
    if (!this.fatal) {
      await this.untilShown(finalTexts, true);
      this.noteVisible();
    }
    return {
      ...this.answer.status(this.fatal),
      messages: this.messages.slice(0, finalTexts.length).map((m) => m.ref),
      leftovers: this.messages.slice(finalTexts.length).map((m) => m.ref),
      markdown,
      text: rendered,
      ...this.counts,
      retries: this.answer.retries,
      ...(this.firstVisibleAt !== undefined ? { firstVisibleMs: this.firstVisibleAt - (this.answer.firstDeltaAt ?? startedAt) } : {}),
      ...(this.fatal ? { deliveryError: this.fatal } : {}),
    };
  }

  private streamingTexts(markdown: string): string[] {
    const chunks = layout(this.render(markdown), this.maxLength, this.sealed);
    this.sealed = chunks.slice(0, -1).map((c) => c.text);
    return chunks.map(messageText);
  }

  private noteVisible(): void {
    if (this.firstVisibleAt !== undefined || this.answer.text.trim() === "") return;
    this.firstVisibleAt = this.clock.now();
    this.options.observer?.onFirstVisible?.(this.firstVisibleAt - (this.answer.firstDeltaAt ?? this.firstVisibleAt));
  }

  /** Retries until `texts` are shown: after a 429 once its Retry-After has passed; other failures up to 3 times. */
  private async untilShown(texts: string[], final: boolean): Promise<void> {
    let failures = 0;
    const maxAttempts = Math.max(1, this.options.maxSendAttempts ?? 3);
    for (;;) {
      const wait = this.pausedUntil - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      try {
        await this.show(texts, final);
        return;
      } catch (error) {
        if (error instanceof RateLimitedError) {
          this.failed(error);
          continue;
        }
        if (++failures >= maxAttempts) {
          this.fatal = error instanceof Error ? error : new Error(String(error));
          return;
        }
        await this.clock.sleep(500 * 2 ** (failures - 1));
      }
    }
  }

  private failed(error: unknown): void {
    if (error instanceof RateLimitedError) {
      this.counts.rateLimited++;
      this.options.observer?.onRateLimited?.(error.retryAfterMs);
      this.pausedUntil = this.clock.now() + Math.max(1, error.retryAfterMs);
    }
    // Any other failure of a streaming edit: the next tick sends the newer text anyway.
  }

  /** Brings the messages to `texts`, one call at a time, posting continuations as needed. */
  private async show(texts: string[], final = false): Promise<void> {
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      if (i >= this.messages.length) {
        const ref = await this.target.post(text);
        this.messages.push({ ref, text });
        this.counts.posts++;
      } else if (this.messages[i]!.text !== text) {
        await this.target.edit(this.messages[i]!.ref, text);
        this.messages[i]!.text = text;
        this.counts.edits++;
      }
    }
    if (!final) return;
    for (let i = texts.length; i < this.messages.length; i++) {
      if (this.messages[i]!.text === LEFTOVER_FILLER) continue;
      await this.target.edit(this.messages[i]!.ref, LEFTOVER_FILLER);
      this.messages[i]!.text = LEFTOVER_FILLER;
      this.counts.edits++;
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
