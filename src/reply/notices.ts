/**
 * The few sentences the streamer itself adds to a reply, in Markdown (the target renders them like the answer).
 * One sentence each, saying what happened; never the runtime's own error text.
 */
import type { FailureKind } from "../runtime/events.js";

export const DEFAULT_PLACEHOLDER = "_Thinking…_";

const FAILURE_SENTENCES: Record<FailureKind, string> = {
  rate_limit: "Sorry, the model is rate-limited right now; please try again in a minute.",
  authentication: "Sorry, the model service refused my credentials; an administrator needs to give me a new token.",
  no_access: "Sorry, the account I sign in with has no Copilot access; an administrator needs to check its Copilot plan.",
  unreachable: "Sorry, I cannot reach the model service right now (a network problem, not my credentials); please try again in a few minutes.",
  timeout: "Sorry, the model took too long to answer and the request timed out; please try again.",
  quota: "Sorry, the model's usage quota is used up for now; please try again later.",
  context_limit: "Sorry, this conversation is too long for the model; please start a new thread.",
  other: "Sorry, something went wrong while answering; please try again.",
};

/** What the user reads when the answer failed for good. */
export function failureSentence(kind: FailureKind): string {
  return FAILURE_SENTENCES[kind] ?? FAILURE_SENTENCES.other;
}

/** The status line shown while a tool runs. Backticks in the name would break the inline code: drop them. */
export function toolStatusLine(toolName: string): string {
  const name = toolName.replace(/`/g, "").trim() || "a tool";
  return `_Running \`${name}\`…_`;
}

/** Shown from a `retry` event until the new attempt's first words. */
export const RETRY_STATUS = "_Something went wrong; trying again…_";

/** Ends a reply whose answer was stopped before it was complete. */
export const STOPPED_NOTE = "_(Stopped.)_";

/** Ends a reply cut short because the bot is restarting (its grace period ran out). */
export const SHUTDOWN_NOTE = "_(Stopped: the bot is restarting. Ask again in a minute.)_";

/** Ends a reply another replica took over (this one lost the thread's lock). */
export const TAKEN_OVER_NOTE = "_(Stopped: another instance of the bot took over this thread.)_";

/** The whole reply when the model answered with nothing. */
export const EMPTY_ANSWER_NOTE = "_The model returned an empty answer._";

/** Shown in a message a retried answer no longer needs, when the platform cannot delete it. */
export const LEFTOVER_FILLER = "…";
