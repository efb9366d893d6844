import type { SessionConfig, Tool } from "@github/copilot-sdk";
import type { ImageInput, TextFileInput } from "../history/types.js";

/** The SDK's reasoning-effort levels (its type is not exported by name). */
export type ReasoningEffort = NonNullable<SessionConfig["reasoningEffort"]>;
import type { RuntimeEvent } from "./events.js";

/** One question for Copilot: the prompt built from the history, plus what goes with it. */
export interface AnswerRequest {
  prompt: string;
  /** Images of the message being answered; sent only when the model can see images. */
  images?: ImageInput[];
  /** Text files of the conversation; every model reads them (as text attachments). */
  files?: TextFileInput[];
  /** The bot's own tools for this run (already bound to the conversation). */
  // biome-ignore lint/suspicious/noExplicitAny: tools with different argument types share one list (as in the SDK)
  tools?: Tool<any>[];
  /** Aborts the running session; the stream then ends with `{type: "done", aborted: true}`. */
  signal?: AbortSignal;
  /** Stable id of the conversation (platform thread), for logs and per-thread tool state. */
  threadKey?: string;
  /** Who asked (the author of the message answered), for the tool-call log. */
  requester?: string;
  /** Model for this request only (e.g. the advisor's second opinion); default the runtime's model. */
  model?: string;
  /** The model's reasoning effort, when it takes one (checked against the model list before it is stored). */
  reasoningEffort?: ReasoningEffort;
  /** The channel's own instructions, added to the system prompt. */
  instructions?: string;
}

/** What the core needs from the Copilot runtime: a stream of events per request. */
export interface AnswerRuntime {
  stream(request: AnswerRequest): AsyncIterable<RuntimeEvent>;
}
