/**
 * A fake OpenAI-compatible model on 127.0.0.1 for tests and benchmarks: the real Copilot runtime talks to it
 * through BYOK (`provider: { type: "openai", baseUrl: fake.url, apiKey: "x" }`). Answers are scripted per
 * request; every request is recorded so tests can assert on what the model was sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type {
  ChatCompletionBody,
  ChatMessage,
  RecordedRequest,
  RequestOutcome,
  Script,
  ScriptFn,
  ScriptedUsage,
} from "./script.js";

import { DEFAULT_MODEL_LIST, modelListBody, type FakeModelEntry } from "./model-list.js";

export type * from "./script.js";
export type { FakeModelEntry } from "./model-list.js";

export interface FakeModel {
  /** Base URL including `/v1`, ready for `provider.baseUrl`. */
  readonly url: string;
  /**
   * The server's root, for COPILOT_API_URL: a runtime signed in with a GitHub token then lists models here
   * (`GET /models`) and sends chat completions here (`POST /chat/completions`).
   */
  readonly apiUrl: string;
  /** Every chat-completions request received, in arrival order (`body.model`: the model id it carried). */
  readonly requests: RecordedRequest[];
  /** Queues answers: each entry answers exactly one request, in order. A function sees the request first. */
  script(...entries: Array<Script | ScriptFn>): void;
  /** The answer used when the queue is empty (default: a short fixed text). */
  setFallback(entry: Script | ScriptFn): void;
  /** Resolves once at least `count` chat-completions requests have arrived. */
  waitForRequests(count: number): Promise<RecordedRequest[]>;
  /** The models `GET /models` lists (default: just `fake-model`). */
  setModels(models: FakeModelEntry[]): void;
  /** How many times the model list was asked for. */
  readonly modelListRequests: number;
  /** Drops the queue and the recorded requests; the fallback is kept. */
  reset(): void;
  /** Ends open streams and closes the server. */
  close(): Promise<void>;
}

export const DEFAULT_FALLBACK_TEXT = "Hello from the fake model.";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Cuts text into chunks of `size` words (whitespace stays with the word before it) or `size` characters. */
export function chunkText(text: string, chunk: Script["chunk"]): string[] {
  const size = Math.max(1, Math.floor(chunk?.size ?? 1));
  if (!text) return [];
  if (chunk?.unit === "chars") {
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
    return pieces;
  }
  const words = text.match(/^\s+|\S+\s*/g) ?? [text];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(""));
  return pieces;
}

/** The text of the last user message (text parts joined), which is where the runtime puts the prompt. */
export function lastUserText(body: ChatCompletionBody): string {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === "user");
  return user ? messageText(user) : "";
}

/** The text of one message, whether its content is a string or a list of parts. */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return "";
  return message.content
    .map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join("");
}

/** Every `image_url` part of every user message. */
export function imageParts(body: ChatCompletionBody): Array<{ url: string }> {
  const images: Array<{ url: string }> = [];
  for (const message of body.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (part.type === "image_url") images.push((part as { image_url: { url: string } }).image_url);
    }
  }
  return images;
}

export async function startFakeModel(): Promise<FakeModel> {
  const requests: RecordedRequest[] = [];
  const queue: Array<Script | ScriptFn> = [];
  let fallback: Script | ScriptFn = { text: DEFAULT_FALLBACK_TEXT };
  let waiters: Array<{ count: number; resolve: (r: RecordedRequest[]) => void }> = [];
  const sockets = new Set<Socket>();
  let completionCounter = 0;
  let models: FakeModelEntry[] = DEFAULT_MODEL_LIST;
  let modelListRequests = 0;

  const notifyWaiters = () => {
    waiters = waiters.filter((w) => {
      if (requests.length < w.count) return true;
      w.resolve(requests.slice());
      return false;
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in a test's script function: answer 500 so the runtime sees a failure rather than hanging.
      if (!res.headersSent) sendJson(res, 500, errorBody(`fake model script failed: ${String(error)}`, "server_error"));
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      modelListRequests++;
      sendJson(res, 200, modelListBody(models));
      return;
    }
    if (req.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/chat/completions")) {
      sendJson(res, 404, errorBody(`fake model has no route ${req.method} ${path}`, "not_found"));
      return;
    }

    const raw = await readBody(req);
    let body: ChatCompletionBody = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") body = parsed as ChatCompletionBody;
    } catch {
      // Recorded as an empty body; the script decides what to answer.
    }

    let settle!: (outcome: RequestOutcome) => void;
    const record: RecordedRequest = {
      index: requests.length,
      method: req.method,
      path,
      headers: req.headers,
      body,
      charsSent: 0,
      settled: new Promise<RequestOutcome>((resolve) => (settle = resolve)),
    };
    const finish = (outcome: RequestOutcome) => {
      if (record.outcome) return;
      record.outcome = outcome;
      settle(outcome);
    };
    res.on("close", () => finish(res.writableFinished ? "completed" : "client_closed"));
    requests.push(record);
    notifyWaiters();

    const entry = queue.shift() ?? fallback;
    const script = typeof entry === "function" ? await entry(record) : entry;
    if (script.delayMs) await sleep(script.delayMs);
    if (res.destroyed) return;

    const failure = script.fail;
    if (failure?.kind === "status") {
      const headers: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) headers["retry-after"] = String(failure.retryAfterSeconds);
      const type = failure.status === 429 ? "rate_limit_exceeded" : failure.status >= 500 ? "server_error" : "invalid_request_error";
      sendJson(res, failure.status, errorBody(failure.message ?? `fake model failure ${failure.status}`, type), headers);
      return;
    }

    const id = `chatcmpl-fake-${++completionCounter}`;
    const model = body.model ?? "fake-model";
    if (body.stream === false || body.stream === undefined) {
      await answerWhole(res, record, script, id, model);
      return;
    }
    await answerStream(res, record, script, id, model, finish);
  }

  async function answerWhole(res: ServerResponse, record: RecordedRequest, script: Script, id: string, model: string) {
    if (script.fail) {
      // A drop or stall without a stream: cut the connection / never answer.
      if (script.fail.kind === "drop") res.socket?.destroy();
      return;
    }
    const text = script.text ?? "";
    const toolCalls = (script.toolCalls ?? []).map((call, i) => ({
      id: call.id ?? `call_${i + 1}`,
      type: "function",
      function: { name: call.name, arguments: serialiseArguments(call.arguments) },
    }));
    record.charsSent = text.length;
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          finish_reason: toolCalls.length ? "tool_calls" : "stop",
        },
      ],
      usage: usageFor(record.body, text, script.usage),
      ...copilotUsageFor(script.usage),
    });
  }

  async function answerStream(
    res: ServerResponse,
    record: RecordedRequest,
    script: Script,
    id: string,
    model: string,
    finish: (outcome: RequestOutcome) => void,
  ) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const created = Math.floor(Date.now() / 1000);
    const send = (delta: Record<string, unknown>, finishReason: string | null = null, extra: object = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`,
      );
    // Not `req.destroyed`: a fully read request is auto-destroyed while its response is still open.
    const gone = () => res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed;

    send({ role: "assistant", content: "" });
    const cutAt = script.fail && script.fail.kind !== "status" ? (script.fail.afterChars ?? 0) : Infinity;
    let sent = 0;
    for (const [i, piece] of chunkText(script.text ?? "", script.chunk).entries()) {
      if (sent >= cutAt) break;
      if (i > 0 && script.paceMs) await sleep(script.paceMs);
      if (gone()) return;
      const part = piece.slice(0, cutAt - sent);
      send({ content: part });
      sent += part.length;
      record.charsSent = sent;
      record.chunkTimes ??= [];
      record.chunkTimes.push({ at: Date.now(), chars: sent });
    }

    if (script.fail?.kind === "drop") {
      // Let the chunks already written reach the client first: destroy() would discard them.
      await new Promise<void>((resolve) => res.write("", () => resolve()));
      finish("dropped");
      res.socket?.destroy();
      return;
    }
    if (script.fail?.kind === "stall") return; // Keep the stream open until the client gives up.

    for (const [i, call] of (script.toolCalls ?? []).entries()) {
      if (gone()) return;
      send({
        tool_calls: [{ index: i, id: call.id ?? `call_${i + 1}`, type: "function", function: { name: call.name, arguments: "" } }],
      });
      send({ tool_calls: [{ index: i, function: { arguments: serialiseArguments(call.arguments) } }] });
    }
    if (gone()) return;
    send({}, script.toolCalls?.length ? "tool_calls" : "stop");
    const streamOptions = record.body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) {
      const usage = usageFor(record.body, script.text ?? "", script.usage);
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage, ...copilotUsageFor(script.usage) })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiUrl: `http://127.0.0.1:${port}`,
    requests,
    setModels: (list) => {
      models = [...list];
    },
    get modelListRequests() {
      return modelListRequests;
    },
    script: (...entries) => void queue.push(...entries),
    setFallback: (entry) => {
      fallback = entry;
    },
    waitForRequests: (count) =>
      requests.length >= count
        ? Promise.resolve(requests.slice())
        : new Promise((resolve) => {
            waiters.push({ count, resolve });
          }),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serialiseArguments(args: unknown): string {
  if (typeof args === "string") return args;
  return JSON.stringify(args ?? {});
}

function errorBody(message: string, type: string) {
  return { error: { message, type, code: type } };
}

/** The `usage` object of one answer: the script's figures where it gives them, else estimated (~4 characters a token). */
function usageFor(body: ChatCompletionBody, text: string, scripted: ScriptedUsage = {}) {
  const prompt_tokens = scripted.promptTokens ?? Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const completion_tokens = scripted.completionTokens ?? Math.ceil(text.length / 4);
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    ...(scripted.cachedTokens !== undefined ? { prompt_tokens_details: { cached_tokens: scripted.cachedTokens } } : {}),
    ...(scripted.reasoningTokens !== undefined ? { completion_tokens_details: { reasoning_tokens: scripted.reasoningTokens } } : {}),
    ...scripted.extra,
  };
}

/** The Copilot API's per-request cost field, when the script gives the call a cost in AI credits (1 credit = 10^9 nano). */
function copilotUsageFor(scripted: ScriptedUsage | undefined) {
  if (scripted?.credits === undefined) return {};
  return { copilot_usage: { total_nano_aiu: Math.round(scripted.credits * 1_000_000_000), token_details: [] } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
