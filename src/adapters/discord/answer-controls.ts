/**
 * How a Discord answer draws the buttons the streamer asks for (MessageControls: Stop on the last message while it
 * streams, 👍 / 👎 on the last once it is over; reply/message-controls.ts decides which). Discord keeps a
 * message's components when an edit leaves them out, so an edit sends them only when they change: streaming
 * edits cost nothing extra for Stop, and the answer's final edit carries its 👍 / 👎 in the same call.
 */
import { RateLimitedError, TransientPlatformError, withBudget, type EditBudget, type MessageControls } from "../../reply/target.js";
import { feedbackRow, stopRow, type ButtonRow } from "./answer-buttons.js";

const END_ATTEMPTS = 5;

/** The components that show `controls` under answer `answerId` (none: an empty list, which removes them). */
export function rowsFor(answerId: string, controls: MessageControls): ButtonRow[] {
  if (controls === "stop") return [stopRow(answerId)];
  if (controls === "feedback") return [feedbackRow(answerId)];
  return [];
}

/** What each of an answer's messages shows, so a target sends components only when they change. */
export class AnswerButtons {
  private readonly shown = new Map<string, MessageControls>();

  constructor(readonly answerId: string) {}

  /** The components of a message posted now with `controls`; undefined for none (a plain message). */
  forPost(controls: MessageControls | undefined): ButtonRow[] | undefined {
    return controls === undefined || controls === "none" ? undefined : rowsFor(this.answerId, controls);
  }

  /** The components an edit of message `id` must send to show `controls`; undefined when it already does. */
  forEdit(id: string, controls: MessageControls | undefined): ButtonRow[] | undefined {
    if (controls === undefined || this.showing(id) === controls) return undefined;
    return rowsFor(this.answerId, controls);
  }

  /** Message `id` now shows `controls` (after a post or edit that worked; undefined: unchanged). */
  shows(id: string, controls: MessageControls | undefined): void {
    if (controls !== undefined) this.shown.set(id, controls);
  }

  showing(id: string): MessageControls {
    return this.shown.get(id) ?? "none";
  }

  removed(id: string): void {
    this.shown.delete(id);
  }

  /** The messages still showing Stop: none once the streamer's final call went out. */
  stillStopping(): string[] {
    return [...this.shown].filter(([, controls]) => controls === "stop").map(([id]) => id);
  }
}

/**
 * Takes Stop off every message still showing it, for an answer that ended without its final call (delivery gave
 * up, or the answer never reached the streamer's end): one components-only write each, through the budget.
 * Failures are swallowed: the answer is over either way, and a stale Stop only says "nothing to stop".
 */
export async function clearStaleStops(
  buttons: AnswerButtons | undefined,
  budget: EditBudget,
  write: (id: string, rows: ButtonRow[]) => Promise<unknown>,
): Promise<void> {
  for (const id of buttons?.stillStopping() ?? []) {
    await writeThroughBudget(budget, () => write(id, [])).then(
      () => buttons!.shows(id, "none"),
      () => undefined,
    );
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
