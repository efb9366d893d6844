/**
 * Which buttons each message of a reply carries (ReplyTarget.controls): Stop on the last message while the answer
 * streams (the one the reader is looking at), feedback on the last message once it is over (it rates the whole
 * answer), nothing on the others. A message that is sealed when the answer moves on loses its Stop.
 */
import type { Plan } from "./reply-view.js";
import type { MessageControls } from "./target.js";

export function controlsFor(plan: Plan, index: number): MessageControls {
  if (index !== plan.texts.length - 1) return "none";
  return plan.final ? "feedback" : "stop";
}
