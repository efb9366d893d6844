/**
 * Slack's methods for AI apps, as documented: native streaming (chat.startStream / appendStream / stopStream:
 * a thread reply that only grows, closed by Slack about 5 minutes after it started) and the assistant thread's
 * status line, suggested prompts and title. Limits (tiers, scopes, 12,000 characters of markdown_text) are in
 * method-limits.ts; the caller has checked the token, the scope and any refusal a test set up.
 */
import type { FakeMessage, Workspace } from "./workspace.js";
import type { SlidingWindowLimiter } from "./rate-limiter.js";
import { MAX_LOADING_MESSAGES, MAX_MARKDOWN_TEXT } from "./method-limits.js";
import type { ApiResult } from "./web-api.js";

/** What a thread's assistant surfaces show now (status line, prompts, title), with every status ever set. */
export interface AssistantThreadState {
  status: string;
  loadingMessages: string[];
  /** Clock time the status was set (it lapses STATUS_LIFETIME_MS later unless renewed). */
  statusSetAt: number;
  statuses: Array<{ status: string; loadingMessages: string[]; at: number }>;
  prompts?: { title?: string; prompts: Array<{ title: string; message: string }> };
  title?: string;
}

export interface AiMethodsContext {
  workspace: Workspace;
  botUserId: string;
  botId: string;
  now(): number;
  streamLifetimeMs: number;
  limiter(method: string): SlidingWindowLimiter | undefined;
  assistantThreads: Map<string, AssistantThreadState>;
  onBotPost(message: FakeMessage): void;
  onBotEdit(message: FakeMessage, previousText: string): void;
}

export const AI_METHODS = new Set([
  "chat.startStream",
  "chat.appendStream",
  "chat.stopStream",
  "assistant.threads.setStatus",
  "assistant.threads.setSuggestedPrompts",
  "assistant.threads.setTitle",
]);

/**
 * The text a streaming call carries: `markdown_text`, or the text of its `chunks` (a JSON list; "Either
 * `markdown_text` or `chunks` is required", docs.slack.dev/reference/methods/chat.appendStream). @slack/web-api's
 * own ChatStreamer sends `chunks: [{type: "markdown_text", text}]`. Other chunk types (task and plan updates,
 * blocks) show no message text here. Undefined: `chunks` is not a list of chunk objects.
 */
export function streamedText(params: Record<string, string>): string | undefined {
  let text = params.markdown_text ?? "";
  if (params.chunks === undefined) return text;
  let chunks: unknown;
  try {
    chunks = JSON.parse(params.chunks);
  } catch {
    return undefined;
  }
  if (!Array.isArray(chunks)) return undefined;
  for (const chunk of chunks as Array<{ type?: unknown; text?: unknown }>) {
    if (!chunk || typeof chunk !== "object" || typeof chunk.type !== "string") return undefined;
    if (chunk.type === "markdown_text") {
      if (typeof chunk.text !== "string") return undefined;
      text += chunk.text;
    }
  }
  return text;
}

const ok = (body: Record<string, unknown> = {}): ApiResult => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string): ApiResult => ({ status: 200, body: { ok: false, error } });
const limited = (retryAfterMs: number): ApiResult => ({
  status: 429,
  body: { ok: false, error: "ratelimited" },
  headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
});

export function assistantThreadKey(channel: string, threadTs: string): string {
  return `${channel}:${threadTs}`;
}

/** Whether the stream is still open: Slack closes it `streamLifetimeMs` after it started, appends or not. */
export function streamIsOpen(message: FakeMessage, ctx: Pick<AiMethodsContext, "now" | "streamLifetimeMs">): boolean {
  if (!message.stream?.open) return false;
  if (ctx.now() - message.stream.startedAt >= ctx.streamLifetimeMs) {
    message.stream.open = false;
    return false;
  }
  return true;
}

export function handleAiMethod(ctx: AiMethodsContext, method: string, params: Record<string, string>): ApiResult {
  const ws = ctx.workspace;
  const take = (): ApiResult | undefined => {
    const wait = ctx.limiter(method)?.take(ws.teamId) ?? 0;
    return wait > 0 ? limited(wait) : undefined;
  };
  switch (method) {
    case "chat.startStream": {
      const channelId = params.channel ?? "";
      const channel = ws.channels.get(channelId);
      if (!channel) return fail("channel_not_found");
      const threadTs = params.thread_ts || undefined;
      // "Streamed messages should always be replies to a user request": the fake insists on a thread.
      if (!threadTs) return fail("invalid_arguments");
      if (!ws.message(channelId, threadTs)) return fail("thread_not_found");
      // "Required when streaming to channels" (not in a DM).
      if (channel.type !== "im" && (!params.recipient_user_id || !params.recipient_team_id)) {
        return fail("invalid_arguments");
      }
      if (params.recipient_user_id && !ws.users.has(params.recipient_user_id)) return fail("user_not_found");
      if (params.recipient_team_id && params.recipient_team_id !== ws.teamId) return fail("team_not_found");
      const text = streamedText(params);
      if (text === undefined) return fail("invalid_arguments");
      if (text.length > MAX_MARKDOWN_TEXT) return fail("msg_too_long");
      const refused = take();
      if (refused) return refused;
      const message = ws.post({ channel: channelId, threadTs, user: ctx.botUserId, botId: ctx.botId, text });
      message.stream = { startedAt: ctx.now(), open: true, appends: 0 };
      ctx.onBotPost(message);
      return ok({ channel: channelId, ts: message.ts });
    }

    case "chat.appendStream":
    case "chat.stopStream": {
      const channelId = params.channel ?? "";
      if (!ws.channels.has(channelId)) return fail("channel_not_found");
      const message = ws.message(channelId, params.ts ?? "");
      if (!message) return fail("message_not_found");
      if (message.user !== ctx.botUserId || !message.stream) return fail("message_not_in_streaming_state");
      const text = streamedText(params);
      if (text === undefined) return fail("invalid_arguments");
      if (method === "chat.appendStream" && text === "" && params.chunks === undefined) return fail("no_text");
      if (text.length > MAX_MARKDOWN_TEXT) return fail("msg_too_long");
      let blocks: Array<Record<string, unknown>> | undefined;
      if (method === "chat.stopStream" && params.blocks) {
        try {
          blocks = JSON.parse(params.blocks) as Array<Record<string, unknown>>;
        } catch {
          return fail("invalid_blocks");
        }
        if (!Array.isArray(blocks) || blocks.length > 50) return fail("invalid_blocks");
      }
      if (!streamIsOpen(message, ctx)) return fail("message_not_in_streaming_state");
      const refused = take();
      if (refused) return refused;
      const previous = message.text;
      // Append-only: what was shown stays, the new text follows it.
      if (text) {
        ws.edit(message, previous + text);
        message.stream.appends++;
      }
      if (method === "chat.stopStream") {
        message.stream.open = false;
        if (blocks) message.blocks = blocks;
        ctx.onBotEdit(message, previous);
      }
      return ok({ channel: channelId, ts: message.ts });
    }

    case "assistant.threads.setStatus": {
      const channelId = params.channel_id ?? "";
      if (!ws.channels.has(channelId)) return fail("channel_not_found");
      const threadTs = params.thread_ts ?? "";
      if (!ws.message(channelId, threadTs)) return fail("invalid_thread_ts");
      if (params.status === undefined) return fail("invalid_arguments");
      let loading: string[] = [];
      if (params.loading_messages) {
        try {
          loading = JSON.parse(params.loading_messages) as string[];
        } catch {
          return fail("invalid_arguments");
        }
        if (!Array.isArray(loading) || loading.length > MAX_LOADING_MESSAGES) return fail("invalid_arguments");
      }
      const refused = take();
      if (refused) return refused;
      const state = threadState(ctx, channelId, threadTs);
      state.status = params.status;
      state.loadingMessages = loading;
      state.statusSetAt = ctx.now();
      state.statuses.push({ status: params.status, loadingMessages: loading, at: state.statusSetAt });
      return ok();
    }

    case "assistant.threads.setSuggestedPrompts": {
      const channelId = params.channel_id ?? "";
      if (!ws.channels.has(channelId)) return fail("channel_not_found");
      const threadTs = params.thread_ts ?? "";
      if (!ws.message(channelId, threadTs)) return fail("invalid_thread_ts");
      let prompts: Array<{ title: string; message: string }>;
      try {
        prompts = JSON.parse(params.prompts ?? "") as Array<{ title: string; message: string }>;
      } catch {
        return fail("invalid_arguments");
      }
      // "Each prompt should be supplied with its title and message attribute"; at most four are shown.
      if (!Array.isArray(prompts) || prompts.length === 0 || prompts.length > 4) return fail("invalid_arguments");
      if (prompts.some((p) => typeof p?.title !== "string" || typeof p?.message !== "string"))
        return fail("invalid_arguments");
      const refused = take();
      if (refused) return refused;
      threadState(ctx, channelId, threadTs).prompts = { ...(params.title ? { title: params.title } : {}), prompts };
      return ok();
    }

    case "assistant.threads.setTitle": {
      const channelId = params.channel_id ?? "";
      if (!ws.channels.has(channelId)) return fail("channel_not_found");
      const threadTs = params.thread_ts ?? "";
      if (!ws.message(channelId, threadTs)) return fail("invalid_thread_ts");
      if (!params.title) return fail("invalid_arguments");
      const refused = take();
      if (refused) return refused;
      threadState(ctx, channelId, threadTs).title = params.title;
      return ok();
    }

    default:
      return fail("unknown_method");
  }
}

function threadState(ctx: AiMethodsContext, channel: string, threadTs: string): AssistantThreadState {
  const key = assistantThreadKey(channel, threadTs);
  let state = ctx.assistantThreads.get(key);
  if (!state) {
    state = { status: "", loadingMessages: [], statusSetAt: 0, statuses: [] };
    ctx.assistantThreads.set(key, state);
  }
  return state;
}
