/**
 * Which of an answer's messages carry its buttons, and the swap when the answer ends. A message the answer posts
 * while it streams carries Stop; streaming edits leave components out (Discord then keeps them), so Stop costs no
 * call of its own. When the answer ends (done, stopped, failed, cut short by a restart) Stop comes off every
 * message and the last one gets 👍 / 👎: one components-only edit per message, drawn from the channel's budget.
 */
import type { Logger } from "pino";
import type { TurnAnswerer } from "../../core/adapter-options.js";
import { describeError } from "../../core/describe-error.js";
import { RateLimitedError, TransientPlatformError, withBudget, type EditBudget, type MessageRef } from "../../reply/target.js";
import { feedbackRow, stopRow, type ButtonRow } from "./answer-buttons.js";

/** How a reply target changes a message's components alone (its text stays). */
export interface ComponentWriter {
  setComponents(ref: MessageRef, rows: ButtonRow[]): Promise<void>;
}

/** A reply target whose answer has buttons: the answer's end is told through it. */
export interface WithAnswerButtons {
  endAnswerButtons(log: Logger): Promise<void>;
}

const END_ATTEMPTS = 5;

export class AnswerButtons {
  /** The answer's messages carrying Stop, oldest first. */
  private readonly carrying: string[] = [];
  private ended = false;

  constructor(readonly answerId: string) {}

  /** The components of a message the answer posts now. */
  forNewMessage(): ButtonRow[] {
    return this.ended ? [] : [stopRow(this.answerId)];
  }

  /** The components message `id` shows now (a message whose text moves elsewhere takes them along). */
  rowsOf(id: string): ButtonRow[] {
    return !this.ended && this.carrying.includes(id) ? [stopRow(this.answerId)] : [];
  }

  posted(id: string): void {
    if (!this.ended) this.carrying.push(id);
  }

  removed(id: string): void {
    const at = this.carrying.indexOf(id);
    if (at >= 0) this.carrying.splice(at, 1);
  }

  /** The answer is over: Stop off every message, 👍 / 👎 on the last. A failed write is logged, never thrown. */
  async end(writer: ComponentWriter, log: Logger): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const last = this.carrying.at(-1);
    for (const id of this.carrying) {
      const rows = id === last ? [feedbackRow(this.answerId)] : [];
      try {
        await writer.setComponents({ id }, rows);
      } catch (error) {
        log.warn({ err: describeError(error), messageId: id }, "Could not change an answer's buttons");
      }
    }
  }
}

/**
 * One components-only write through `budget`: a 429 pauses the budget and the write waits it out, passing
 * trouble is tried again a few times; anything else is the caller's to log.
 */
export async function writeThroughBudget(budget: EditBudget, write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withBudget(budget, write);
      return;
    } catch (error) {
      if (attempt >= END_ATTEMPTS) throw error;
      if (error instanceof RateLimitedError) budget.pause(error.retryAfterMs);
      else if (error instanceof TransientPlatformError) await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      else throw error;
    }
  }
}

/**
 * The answerer, telling the reply target when the answer is over (however it ended) so its buttons change. The
 * core's answerer knows nothing of buttons; the target reached through the turn is the adapter's own.
 */
export function endingAnswerButtons(answerer: TurnAnswerer, logger: Logger): TurnAnswerer {
  return {
    async answer(turn) {
      try {
        return await answerer.answer(turn);
      } finally {
        const target = turn.target as Partial<WithAnswerButtons>;
        if (typeof target.endAnswerButtons === "function") {
          await target.endAnswerButtons(logger.child({ thread: turn.threadKey })).catch(() => undefined);
        }
      }
    },
  };
}
