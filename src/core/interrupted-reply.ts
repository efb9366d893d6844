/**
 * Marks the reply of an answer that a crash or a restart interrupted, so that no message in the thread is left as
 * a bare placeholder or as partial text that reads like a whole answer: its first message becomes one sentence
 * saying so, the rest are deleted (or, where the platform cannot delete, show a short filler).
 */
import type { Logger } from "pino";
import { LEFTOVER_FILLER } from "../reply/notices.js";
import { withBudget, type ReplyTarget } from "../reply/target.js";
import { describeError } from "./describe-error.js";

/** `replies`: the interrupted reply's message ids, oldest first. Never throws; a message that is gone is skipped. */
export async function markInterruptedReply(target: ReplyTarget, replies: readonly string[], note: string, log: Logger): Promise<void> {
  const [first, ...rest] = replies;
  if (first === undefined) return;
  const attempt = async (what: string, call: () => Promise<void>) => {
    try {
      await withBudget(target.budget, call);
    } catch (error) {
      log.warn({ err: describeError(error) }, `Could not ${what} of an interrupted reply`);
    }
  };
  await attempt("mark the first message", () => target.edit({ id: first }, target.render(note)));
  for (const id of rest) {
    const remove = target.delete?.bind(target);
    await attempt("remove a later message", () => (remove ? remove({ id }) : target.edit({ id }, target.render(LEFTOVER_FILLER))));
  }
}
