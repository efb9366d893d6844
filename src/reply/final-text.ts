/**
 * How an answer ends, and the Markdown its reply ends with: shared by the product's streamer and the peer
 * strategies the benchmark compares it with, so both finish a reply by the same rule.
 */
import type { RuntimeEvent, RuntimeFailure } from "../runtime/events.js";
import { EMPTY_ANSWER_NOTE, STOPPED_NOTE, failureSentence } from "./notices.js";
import { healPartial } from "./markdown/partial-markdown.js";

export type Terminal = { kind: "done"; aborted: boolean } | { kind: "error"; failure: RuntimeFailure };

/** The terminal state a `done` or `error` event sets; undefined for any other event. */
export function terminalOf(event: RuntimeEvent): Terminal | undefined {
  if (event.type === "error") return { kind: "error", failure: event.failure ?? { kind: "other", message: "unknown error" } };
  if (event.type === "done") return { kind: "done", aborted: event.aborted === true };
  return undefined;
}

/**
 * The reply's last Markdown: the whole answer, or what streamed of it (its open Markdown closed, so the note does
 * not land inside a code block) followed by the note a failure or stop adds. An empty answer says so.
 */
export function replyEnding(answer: string, terminal: Terminal, stoppedNote: string = STOPPED_NOTE): string {
  const partial = answer.trim();
  if (terminal.kind === "done" && !terminal.aborted) return partial === "" ? EMPTY_ANSWER_NOTE : partial;
  const note = terminal.kind === "error" ? failureSentence(terminal.failure.kind) : stoppedNote;
  const kept = partial === "" ? "" : healPartial(partial).trimEnd();
  return kept === "" ? note : `${kept}\n\n${note}`;
}

export type ReplyStatus = "complete" | "failed" | "empty" | "aborted";

/** How a reply ended, for its outcome: a delivery failure first, then the terminal event, then an empty answer. */
export function replyStatus(
  terminal: Terminal | undefined,
  answer: string,
  deliveryError: Error | undefined,
): { status: ReplyStatus; failure?: RuntimeFailure } {
  if (deliveryError) return { status: "failed", failure: { kind: "other", message: `the reply could not be delivered: ${deliveryError.message}` } };
  if (!terminal) return { status: "failed", failure: { kind: "other", message: "no terminal event" } };
  if (terminal.kind === "error") return { status: "failed", failure: terminal.failure };
  if (terminal.aborted) return { status: "aborted" };
  return { status: answer.trim() === "" ? "empty" : "complete" };
}
