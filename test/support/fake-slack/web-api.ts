/**
 * The Web API methods the fake answers, Slack's way: HTTP 200 with `{ok: true, ...}` or `{ok: false, error}`,
 * and HTTP 429 with `Retry-After` for a rate-limited call.
 */
import type { FakeMessage, Workspace } from "./workspace.js";
import type { SlidingWindowLimiter } from "./rate-limiter.js";
import { AI_METHODS, handleAiMethod, streamIsOpen, type AiMethodsContext } from "./ai-methods.js";
import { METHOD_SCOPES } from "./method-limits.js";
import { FILE_METHODS, handleFileMethod, type FileMethodsContext } from "./file-methods.js";
import { blocksProblem } from "./block-kit.js";

export type TokenKind = "bot" | "app" | "none" | "invalid";

/** A message only one person sees (chat.postEphemeral): Slack keeps it out of the channel's history. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  threadTs?: string;
  text: string;
  blocks?: Array<Record<string, unknown>>;
  at: number;
}

export interface ApiCall {
  method: string;
  /** Parameters as sent (token removed). */
  params: Record<string, string>;
  ok: boolean;
  error?: string;
  /** 200, or 429 for a rate-limited call. */
  status: number;
  at: number;
}

export interface ApiResult {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A refusal a test sets up: `method` answers `error` (in `channel` only, when given). */
export interface MethodRefusal {
  method: string;
  error: string;
  channel?: string;
}

export interface WebApiContext extends AiMethodsContext, Pick<FileMethodsContext, "uploads" | "shared" | "uploadUrl" | "addFile"> {
  workspace: Workspace;
  botUserId: string;
  botId: string;
  appId: string;
  /** Largest `text` chat.postMessage / chat.update accept (Slack's practical msg_too_long). */
  maxTextLength: number;
  /** Largest page conversations.replies returns, whatever `limit` asks. */
  maxRepliesPageSize: number;
  limits: { update: SlidingWindowLimiter; post: SlidingWindowLimiter };
  socketUrl(): string;
  onBotPost(message: FakeMessage): void;
  onBotEdit(message: FakeMessage, previousText: string): void;
  onBotDelete(message: FakeMessage): void;
  /** The bot token's scopes; a method none of whose scopes (method-limits.ts) is held answers `missing_scope`. */
  scopes: ReadonlySet<string>;
  refusals: readonly MethodRefusal[];
  /** Every ephemeral message the bot sent, in order. */
  ephemerals: FakeEphemeral[];
}

const ok = (body: Record<string, unknown> = {}): ApiResult => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string): ApiResult => ({ status: 200, body: { ok: false, error } });
const limited = (retryAfterMs: number): ApiResult => ({
  status: 429,
  body: { ok: false, error: "ratelimited" },
  headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
});

/** The answer to any call made with a token Slack refuses (token_revoked, account_inactive, ...). */
export function refusedToken(error: string): ApiResult {
  return fail(error);
}

/** Bot-token methods; apps.connections.open alone takes the app token. */
export function handleApiCall(
  ctx: WebApiContext,
  method: string,
  params: Record<string, string>,
  token: TokenKind,
): ApiResult {
  if (token === "none") return fail("not_authed");
  if (token === "invalid") return fail("invalid_auth");
  if (method === "apps.connections.open") {
    return token === "app" ? ok({ url: ctx.socketUrl() }) : fail("not_allowed_token_type");
  }
  if (token !== "bot") return fail("not_allowed_token_type");
  const ws = ctx.workspace;
  const where = params.channel ?? params.channel_id;
  const refusal = ctx.refusals.find((r) => r.method === method && (r.channel === undefined || r.channel === where));
  if (refusal) return fail(refusal.error);
  const needed = METHOD_SCOPES[method];
  if (needed && !needed.some((scope) => ctx.scopes.has(scope))) {
    const provided = [...ctx.scopes].join(",");
    return { status: 200, body: { ok: false, error: "missing_scope", needed: needed.join(","), provided } };
  }
  if (AI_METHODS.has(method)) return handleAiMethod(ctx, method, params);
  if (FILE_METHODS.has(method)) return handleFileMethod(ctx, method, params);

  switch (method) {
    case "auth.test":
      return ok({
        url: `https://${ws.teamName}.slack.com/`,
        team: ws.teamName,
        user: ws.users.get(ctx.botUserId)?.name ?? "bot",
        team_id: ws.teamId,
        user_id: ctx.botUserId,
        bot_id: ctx.botId,
        is_enterprise_install: false,
      });

    case "users.info": {
      const user = ws.users.get(params.user ?? "");
      if (!user) return fail("user_not_found");
      const wait = ctx.limiter(method)?.take(ws.teamId) ?? 0;
      if (wait > 0) return limited(wait);
      return ok({
        user: {
          id: user.id,
          team_id: ws.teamId,
          name: user.name,
          real_name: user.realName ?? user.name,
          is_bot: Boolean(user.isBot || user.botId),
          is_admin: Boolean(user.isAdmin || user.isOwner),
          is_owner: Boolean(user.isOwner),
          deleted: false,
          profile: {
            display_name: user.displayName ?? "",
            real_name: user.realName ?? user.name,
            ...(user.botId ? { bot_id: user.botId } : {}),
          },
        },
      });
    }

    case "bots.info": {
      const bot = ws.bots.get(params.bot ?? "");
      if (!bot) return fail("bot_not_found");
      return ok({ bot: { id: bot.botId, name: bot.name, user_id: bot.id, deleted: false, app_id: "A0OTHER" } });
    }

    case "conversations.info": {
      const channel = ws.channels.get(params.channel ?? "");
      if (!channel) return fail("channel_not_found");
      return ok({ channel: { id: channel.id, name: channel.name, is_im: channel.type === "im" } });
    }

    case "conversations.replies": {
      const channel = params.channel ?? "";
      if (!ws.channels.has(channel)) return fail("channel_not_found");
      const thread = ws.thread(channel, params.ts ?? "");
      if (thread.length === 0) return fail("thread_not_found");
      const limit = Math.min(Math.max(1, Number(params.limit) || 1000), 1000, ctx.maxRepliesPageSize);
      const start = params.cursor ? Number(Buffer.from(params.cursor, "base64url").toString()) : 0;
      if (!Number.isInteger(start) || start < 0 || start > thread.length) return fail("invalid_cursor");
      const page = thread.slice(start, start + limit);
      const next = start + limit < thread.length ? Buffer.from(String(start + limit)).toString("base64url") : "";
      return ok({
        messages: page.map((m) => ws.toApi(m)),
        has_more: next !== "",
        response_metadata: { next_cursor: next },
      });
    }

    case "chat.postMessage": {
      const channel = params.channel ?? "";
      if (!ws.channels.has(channel)) return fail("channel_not_found");
      const text = params.text ?? "";
      if (!text.trim() && !params.blocks) return fail("no_text");
      if (text.length > ctx.maxTextLength) return fail("msg_too_long");
      const threadTs = params.thread_ts || undefined;
      if (threadTs && !ws.message(channel, threadTs)) return fail("thread_not_found");
      const wait = ctx.limits.post.take(channel);
      if (wait > 0) return limited(wait);
      const blocks = parseBlocks(params.blocks);
      if (blocks === null) return fail("invalid_blocks");
      const message = ws.post({ channel, threadTs, user: ctx.botUserId, botId: ctx.botId, text });
      if (blocks) message.blocks = blocks;
      ctx.onBotPost(message);
      return ok({ channel, ts: message.ts, message: ws.toApi(message) });
    }

    case "chat.postEphemeral": {
      const channel = params.channel ?? "";
      if (!ws.channels.has(channel)) return fail("channel_not_found");
      if (!ws.users.has(params.user ?? "")) return fail("user_not_found");
      const text = params.text ?? "";
      if (!text.trim() && !params.blocks) return fail("no_text");
      if (text.length > ctx.maxTextLength) return fail("msg_too_long");
      const blocks = parseBlocks(params.blocks);
      if (blocks === null) return fail("invalid_blocks");
      const wait = ctx.limiter(method)?.take(ws.teamId) ?? 0;
      if (wait > 0) return limited(wait);
      ctx.ephemerals.push({
        channel,
        user: params.user!,
        ...(params.thread_ts ? { threadTs: params.thread_ts } : {}),
        text,
        ...(blocks ? { blocks } : {}),
        at: ctx.now(),
      });
      // Slack answers with a ts for the ephemeral message; it is in no history and cannot be edited by the bot.
      return ok({ message_ts: (ctx.now() / 1000).toFixed(6) });
    }

    case "chat.update": {
      const channel = params.channel ?? "";
      if (!ws.channels.has(channel)) return fail("channel_not_found");
      const message = ws.message(channel, params.ts ?? "");
      if (!message) return fail("message_not_found");
      if (message.user !== ctx.botUserId) return fail("cant_update_message");
      // A streamed message is edited once its stream has stopped (or lapsed), not while it streams.
      if (message.stream && streamIsOpen(message, ctx)) return fail("cant_update_message");
      const blocks = parseBlocks(params.blocks);
      if (blocks === null) return fail("invalid_blocks");
      const text = params.text ?? "";
      if (!text.trim() && !params.blocks) return fail("no_text");
      if (text.length > ctx.maxTextLength) return fail("msg_too_long");
      const wait = ctx.limits.update.take(ws.teamId);
      if (wait > 0) return limited(wait);
      const previous = message.text;
      // chat.update replaces the blocks too: none given, none kept.
      if (blocks) message.blocks = blocks;
      else delete message.blocks;
      ws.edit(message, text);
      ctx.onBotEdit(message, previous);
      return ok({ channel, ts: message.ts, text, message: ws.toApi(message) });
    }

    case "chat.delete": {
      const channel = params.channel ?? "";
      if (!ws.channels.has(channel)) return fail("channel_not_found");
      const message = ws.message(channel, params.ts ?? "");
      if (!message) return fail("message_not_found");
      if (message.user !== ctx.botUserId) return fail("cant_delete_message");
      ws.remove(message);
      ctx.onBotDelete(message);
      return ok({ channel, ts: message.ts });
    }

    case "reactions.add":
    case "reactions.remove": {
      const message = ws.message(params.channel ?? "", params.timestamp ?? "");
      if (!message) return fail("message_not_found");
      const name = params.name ?? "";
      if (!name) return fail("invalid_name");
      const users = message.reactions.get(name) ?? new Set<string>();
      if (method === "reactions.add") {
        if (users.has(ctx.botUserId)) return fail("already_reacted");
        users.add(ctx.botUserId);
        message.reactions.set(name, users);
      } else {
        if (!users.delete(ctx.botUserId)) return fail("no_reaction");
        if (users.size === 0) message.reactions.delete(name);
      }
      return ok();
    }

    default:
      return fail("unknown_method");
  }
}

/** `blocks` as sent (a JSON string): undefined when absent, null when Slack would refuse them (block-kit.ts). */
export function parseBlocks(raw: string | undefined): Array<Record<string, unknown>> | undefined | null {
  if (!raw) return undefined;
  try {
    const blocks = JSON.parse(raw) as unknown;
    return blocksProblem(blocks) === undefined ? (blocks as Array<Record<string, unknown>>) : null;
  } catch {
    return null;
  }
}
