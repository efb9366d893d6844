/**
 * The small surface an adapter gives the reply streamer. Everything platform-specific about how an answer
 * appears (formatting, limits, the API calls) lives behind it; the streamer itself is platform-neutral.
 */

/** An opaque handle to a posted message (Slack `ts`, Discord message id). */
export interface MessageRef {
  id: string;
}

import type { CallClaim, ClaimKind } from "./budget/scheduler.js";

export type { CallClaim, ClaimKind } from "./budget/scheduler.js";

/** Says that the call a budget grant was for has finished. */
export type CallDone = () => void;

/**
 * Takes one grant from `budget`, makes the call, and reports it finished however it ends: the way to spend a
 * budget outside the streamer.
 */
export async function withBudget<T>(budget: EditBudget, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const done = await budget.take(signal);
  try {
    return await call();
  } finally {
    done?.();
  }
}

/** One short sentence from the bot (a refusal, a notice); it draws from the scope's budget like any other post. */
export async function postSentence(target: ReplyTarget, markdown: string, signal?: AbortSignal): Promise<MessageRef> {
  const post = () => target.post(target.render(markdown));
  return target.postUsesBudget === false ? post() : withBudget(target.budget, post, signal);
}

/** A limiter shared by every reply streaming in one platform scope (a Slack workspace, a Discord channel). */
export interface EditBudget {
  /**
   * Resolves when one more call may be made in this scope. Waiting callers are served fairly. A budget may
   * resolve with a `CallDone`: call it once the platform call has finished (whether it worked or not), so the
   * window counts the call from its completion — never earlier than the platform saw it arrive. `claim` says
   * what the call is for (a final, first words, a streaming update and how much it would show), so the budget
   * can spend its window where it lowers lag most (budget/scheduler.ts); without one it is a one-off call.
   */
  take(signal?: AbortSignal, claim?: CallClaim): Promise<CallDone | void>;
  /** The platform said "slow down": no call in this scope before `retryAfterMs` from now. */
  pause(retryAfterMs: number): void;
  /**
   * Optional (added for pacing): the budget's rate, so a streamer can pace itself to its fair share of it.
   * Without them the streamer assumes one call a second.
   */
  readonly calls?: number;
  readonly perMs?: number;
  /** Optional: how many replies are streaming in this scope now (each registers with `join`). */
  readonly active?: number;
  /** Optional: registers one streaming reply in this scope; call the returned function when it ends. */
  join?(): () => void;
  /**
   * Optional: how many calls of `kind` the window would still grant now (after those waiting), as far as this
   * process knows; the streamer chooses native streaming or edits by it.
   */
  room?(kind: ClaimKind): number;
}

/**
 * The buttons one message of an answer carries: Stop on the last message while the answer streams, feedback on
 * the last message once it is over, none otherwise. The platform draws them its own way.
 */
export type MessageControls = "stop" | "feedback" | "none";

export interface ReplyTarget {
  /** Longest text one message may carry, in characters, after `render`. */
  readonly maxMessageLength: number;
  /** Markdown (as the model writes it) to the platform's own format. */
  render(markdown: string): string;
  /** Posts a new message into the conversation (the first call posts the placeholder). */
  post(text: string, controls?: MessageControls): Promise<MessageRef>;
  /** Replaces the text (and, with `controls`, the buttons) of a message posted earlier. */
  edit(ref: MessageRef, text: string, controls?: MessageControls): Promise<void>;
  /**
   * Optional: the target draws answer controls (MessageControls). Only then does the streamer pass them, and
   * edit a message whose buttons must change even when its text does not (Stop gone once the answer ends).
   */
  readonly controls?: boolean;
  /**
   * Optional: called once when the answer is over, however it ended, so the platform can take away what it showed
   * only while the answer ran (Slack: a natively streamed answer's Stop message) even if no final call did.
   */
  answerEnded?(): Promise<void>;
  /** The budget that `edit` (and continuation `post`s) draw from. */
  readonly budget: EditBudget;
  /** Shows a "typing…" indicator where the platform has one; called while no words are visible yet. */
  typing?(): Promise<void>;
  /**
   * Optional: how often to call `typing` again while no new words show (before the first, and while a tool
   * runs), for platforms whose indicator lapses by itself (Discord: after about 10 s). Without it, once.
   */
  readonly typingRenewMs?: number;
  /**
   * Optional: removes a message posted earlier (used when a retried answer needs fewer messages than the
   * abandoned attempt had). Without it, a message left over shows a short filler instead.
   */
  delete?(ref: MessageRef): Promise<void>;
  /**
   * Optional: whether `post` draws from `budget` (default true). Slack's chat.postMessage has its own limit
   * (about 1 a second per channel, which the adapter keeps itself), not chat.update's; Discord's 5 per 5 s covers
   * both creating and editing.
   */
  readonly postUsesBudget?: boolean;
  /**
   * Optional: the platform streams a reply natively, append-only (Slack's chat.startStream). The streamer
   * (src/reply/native-stream-reply.ts) uses it when its budget is the looser one, and falls back to post + edit.
   */
  readonly nativeStream?: NativeStreaming;
  /**
   * Optional: a line the platform shows under the conversation while the answer is being worked on (Slack's
   * assistant status). The streamer keeps it saying what the runtime does (status-line.ts).
   */
  readonly statusLine?: StatusLine;
  /**
   * Optional: shares a file in the conversation, as a new message after the answer (Slack: files.uploadV2 into
   * the thread; Discord: a message with the file attached). Long code blocks of an answer go this way
   * (code-files.ts). Throws when the platform refuses.
   */
  uploadFile?(file: UploadedFile): Promise<void>;
  /** Optional: the largest file `uploadFile` takes, in bytes (Discord: 10 MiB for a bot). */
  readonly maxUploadBytes?: number;
}

/** A file the bot shares: its name (which says its language) and its text. */
export interface UploadedFile {
  name: string;
  content: string;
}

/** What the runtime is doing, for a status line. */
export type WorkStatus = { kind: "thinking" } | { kind: "tool"; toolName: string } | { kind: "retrying" };

export interface StatusLine {
  /** Shows `status`; a platform refusal is the line's own business (it goes quiet), never the answer's. */
  show(status: WorkStatus): Promise<void>;
  /** Removes the line (the answer is over). */
  clear(): Promise<void>;
  /** The platform drops a line not renewed within this long; the follower renews it before. */
  readonly lapseMs: number;
}

/** An append-only message the platform streams itself: text appended is shown at once and cannot be taken back. */
export interface AppendOnlyStream {
  /** The message; once the stream stopped it can be edited like any other (`ReplyTarget.edit`). */
  readonly ref: MessageRef;
  /**
   * Optional: messages the platform posted along with this stream (Slack: the Stop button's message), recorded
   * after it so that the cleanup of a crash removes them like a reply's later messages.
   */
  readonly companions?: readonly MessageRef[];
  /** Adds Markdown at the end. StreamClosedError: the platform closed the stream, the text was not shown. */
  append(markdown: string): Promise<void>;
  /** Ends the stream with `markdown` last; `finished` marks the answer's last message (controls go there). */
  stop(markdown: string, finished: boolean): Promise<void>;
}

export interface NativeStreaming {
  /** Each method's own budget in the platform scope. */
  readonly startBudget: EditBudget;
  readonly appendBudget: EditBudget;
  readonly stopBudget: EditBudget;
  /** Most Markdown characters one start / append / stop call may carry. */
  readonly maxChunkChars: number;
  /** How long after its start the platform keeps a stream open. */
  readonly lifetimeMs: number;
  /** Starts a stream showing `markdown`. NativeStreamRefusedError: not here (scope, method, conversation). */
  start(markdown: string): Promise<AppendOnlyStream>;
}

/** The platform will not stream natively in this conversation (missing scope, unknown method, not allowed). */
export class NativeStreamRefusedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NativeStreamRefusedError";
  }
}

/** The platform closed the stream (it lapsed): the call's text was not shown. */
export class StreamClosedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StreamClosedError";
  }
}

/**
 * Thrown by `post`/`edit` when the platform answered 429 / `ratelimited`. The streamer pauses the shared
 * budget for `retryAfterMs` and sends the newest text afterwards; it never drops it.
 */
export class RateLimitedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited, retry after ${retryAfterMs} ms`,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

/**
 * Thrown by `post`/`edit`/`delete` when the platform failed the call for a reason that passes (a 5xx, a network
 * error, a timeout, Slack's `internal_error`): the adapter says so, because only it knows the platform's errors.
 * The streamer tries the call again with backoff, through the budget and with the newest text, for a bounded
 * time (delivery-retry.ts). Any other error is taken as a refusal that will not change by itself.
 */
export class TransientPlatformError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientPlatformError";
  }
}
