/**
 * What a scripted fake-model answer looks like. One `Script` answers one HTTP request to
 * `/v1/chat/completions`; a turn that calls tools needs one script per model call.
 */

/** A tool call the fake model asks for; the runtime runs the tool and calls the model again. */
export interface ScriptedToolCall {
  name: string;
  /** JSON arguments: an object is serialised, a string is sent verbatim (so malformed JSON can be tested). */
  arguments?: unknown;
  /** Defaults to `call_<n>`. */
  id?: string;
}

export type ScriptedFailure =
  /** Answer with this HTTP status and an OpenAI-style error body instead of a stream (429, 5xx, 400, 401...). */
  | { kind: "status"; status: number; message?: string; retryAfterSeconds?: number }
  /** Stream `text` for `afterChars` characters (default 0), then destroy the socket without `[DONE]`. */
  | { kind: "drop"; afterChars?: number }
  /** Stream `afterChars` characters (default 0), then send nothing more until the client goes away. */
  | { kind: "stall"; afterChars?: number };

export interface Script {
  /** Answer text (default empty; a script with tool calls usually has none). */
  text?: string;
  /** How the text is cut into SSE chunks: `size` words (default) or characters per chunk. Default 1 word. */
  chunk?: { size: number; unit: "words" | "chars" };
  /** Milliseconds between chunks (default 0). ~20 ms per word is roughly 50 tokens/s. */
  paceMs?: number;
  /** Tool calls sent after the text; the finish reason becomes `tool_calls`. */
  toolCalls?: ScriptedToolCall[];
  /** An injected failure instead of (or in the middle of) the answer. */
  fail?: ScriptedFailure;
  /** Milliseconds to wait before the response starts (headers included). */
  delayMs?: number;
  /**
   * The `usage` this call reports (in the stream's last chunk when the request asks for `stream_options.include_usage`,
   * in the body otherwise); each figure left out is estimated from the text as before (about 4 characters a token).
   */
  usage?: ScriptedUsage;
}

/** Token figures as an OpenAI-compatible server reports them, plus the extra fields some providers add. */
export interface ScriptedUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** `prompt_tokens_details.cached_tokens`: prompt tokens served from the provider's cache. */
  cachedTokens?: number;
  /** `completion_tokens_details.reasoning_tokens`. */
  reasoningTokens?: number;
  /** Extra top-level fields of the `usage` object, sent verbatim (e.g. a provider's own `cost`). */
  extra?: Record<string, unknown>;
  /**
   * AI credits this call cost, sent as the Copilot API does: a top-level `copilot_usage: { total_nano_aiu }` next to
   * `usage` (the runtime reads it into assistant.usage's `copilotUsage`, and counts it against `sessionLimits`). An
   * OpenAI-compatible provider sends no such field; leave it out to be one.
   */
  credits?: number;
}

/** The parsed body of a chat-completions request, as far as tests care. */
export interface ChatCompletionBody {
  model?: string;
  stream?: boolean;
  messages?: ChatMessage[];
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  [key: string]: unknown;
}

export type ChatContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: string; [key: string]: unknown };

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool" | string;
  content?: string | ChatContentPart[] | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  [key: string]: unknown;
}

export type RequestOutcome =
  /** The whole answer (or error response) was written. */
  | "completed"
  /** The client closed the connection before the answer was complete (e.g. the session was aborted). */
  | "client_closed"
  /** The server dropped the connection on purpose (a `drop` failure). */
  | "dropped";

/** One request the fake model received. */
export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (empty object for a body that is not JSON). */
  body: ChatCompletionBody;
  /** Characters of answer text written so far. */
  charsSent: number;
  /** When each text chunk left the server (epoch ms) and the characters sent up to it (benchmarks: token lag). */
  chunkTimes?: Array<{ at: number; chars: number }>;
  /** Undefined while the response is still running. */
  outcome?: RequestOutcome;
  /** Resolves when the response ends, however it ends. */
  settled: Promise<RequestOutcome>;
}

export type ScriptFn = (request: RecordedRequest) => Script | Promise<Script>;
