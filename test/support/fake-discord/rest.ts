import type { IncomingMessage, ServerResponse } from "node:http";
import { apiChannel, apiMessage, apiUser } from "./api-objects.js";
import { ChannelType, FakeDiscordError, type FakeDiscordModel } from "./model.js";
import type { FakeCommands } from "./commands.js";
import type { DiscordFaults } from "./faults.js";
import type { FakeInteractions } from "./interactions.js";
import { readMessageBody } from "./message-body.js";
import { isMultipart, readMultipart, type UploadedAttachment } from "./multipart.js";
import type { ChannelRateLimiter, GlobalRateLimiter } from "./rate-limit.js";

/** One REST call as the fake saw it, for tests to assert on. */
export interface RestCall {
  method: string;
  /** Path below `/api/v10`, ids included. */
  path: string;
  /** The path with ids replaced by `:id`, e.g. `PATCH /channels/:id/messages/:id`. */
  route: string;
  status: number;
  channelId?: string;
  body?: unknown;
  at: number;
  /** On a 429: whether it was the global limit. */
  global?: boolean;
}

export interface RestOptions {
  model: FakeDiscordModel;
  token: string;
  limiter: ChannelRateLimiter;
  /** Typing has its own bucket per channel. */
  typingLimiter: ChannelRateLimiter;
  globalLimiter: GlobalRateLimiter;
  interactions: FakeInteractions;
  commands: FakeCommands;
  baseUrl: () => string;
  gatewayUrl: () => string;
  maxContentLength: number;
  onCall: (call: RestCall) => void;
  /** Told of every attachment download (found or not). */
  onAttachment?: (path: string) => void;
  /** Failures a test turned on: a matching call meets one instead of being handled. */
  faults?: DiscordFaults;
}

const BUCKET_HASH = "fake-channel-messages";
const TYPING_BUCKET_HASH = "fake-channel-typing";
type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Handles `/api/v10/...` and attachment downloads; everything else is 404. */
export function createRestHandler(options: RestOptions) {
  const { model } = options;

  function limited(channelId: string, limiter = options.limiter, hash = BUCKET_HASH): Reply | Record<string, string> {
    const answer = limiter.take(channelId);
    const headers = limiter.headers(answer.state, hash);
    if (answer.allowed) return headers;
    const retryAfter = answer.retryAfterMs / 1000;
    return {
      status: 429,
      headers: { ...headers, "retry-after": retryAfter.toFixed(3), "x-ratelimit-scope": "user" },
      body: { message: "You are being rate limited.", retry_after: retryAfter, global: false },
    };
  }

  function readable(channelId: string) {
    const channel = model.requireChannel(channelId);
    if (channel.type === ChannelType.DM && !channel.recipientIds.includes(model.botUser.id)) {
      throw new FakeDiscordError(403, 50001, "Missing Access");
    }
    return channel;
  }

  async function route(method: string, path: string, query: URLSearchParams, body: Json, files: UploadedAttachment[] = []): Promise<Reply> {
    const baseUrl = options.baseUrl();
    const parts = path.split("/").filter(Boolean);
    const [p0, p1, p2, p3, p4] = parts;

    if (method === "GET" && path === "/gateway/bot") {
      return {
        status: 200,
        body: {
          url: options.gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      };
    }
    if (method === "GET" && path === "/users/@me") return { status: 200, body: apiUser(model.botUser) };
    if (method === "GET" && path === "/applications/@me") {
      return {
        status: 200,
        body: { id: model.applicationId, name: model.botUser.username, flags: 0, bot: apiUser(model.botUser) },
      };
    }
    if (method === "POST" && path === "/users/@me/channels") {
      const recipient = String(body.recipient_id ?? "");
      if (!model.users.has(recipient)) throw new FakeDiscordError(400, 50035, "Invalid Form Body");
      return { status: 200, body: apiChannel(model.dmChannel(recipient), model) };
    }
    if (p0 === "applications" && p1 === model.applicationId && (method === "PUT" || method === "GET")) {
      const scope =
        parts.length === 3 && p2 === "commands"
          ? "global"
          : parts.length === 5 && p2 === "guilds" && p4 === "commands"
            ? p3!
            : null;
      if (scope === null) throw new FakeDiscordError(404, 0, "404: Not Found");
      if (method === "GET") return { status: 200, body: options.commands.list(scope) };
      return { status: 200, body: options.commands.overwrite(scope, body) };
    }
    if (p0 !== "channels" || !p1) throw new FakeDiscordError(404, 0, "404: Not Found");
    const channelId = p1;

    if (parts.length === 2 && method === "GET") return { status: 200, body: apiChannel(readable(channelId), model) };

    if (p2 === "typing" && parts.length === 3 && method === "POST") {
      readable(channelId);
      const gate = limited(channelId, options.typingLimiter, TYPING_BUCKET_HASH);
      if ("status" in gate) return gate as Reply;
      model.startTyping(channelId);
      return { status: 204, headers: gate as Record<string, string> };
    }

    if (p2 === "threads" && parts.length === 3 && method === "POST") {
      const thread = model.createThread({
        parentId: channelId,
        name: String(body.name ?? "thread"),
        ownerId: model.botUser.id,
      });
      return { status: 201, body: apiChannel(thread, model) };
    }

    if (p2 !== "messages") throw new FakeDiscordError(404, 0, "404: Not Found");

    if (parts.length === 3 && method === "GET") {
      readable(channelId);
      const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 50) || 50));
      const page = model.pageMessages(channelId, {
        limit,
        before: query.get("before") ?? undefined,
        after: query.get("after") ?? undefined,
      });
      return { status: 200, body: page.map((m) => apiMessage(m, model, baseUrl)) };
    }
    if (parts.length === 4 && method === "GET") {
      readable(channelId);
      return { status: 200, body: apiMessage(model.requireMessage(channelId, p3!), model, baseUrl) };
    }
    if (parts.length === 3 && method === "POST") {
      readable(channelId);
      const fields = readMessageBody(body, { maxContentLength: options.maxContentLength, partial: false, attachments: files.length });
      if (files.length > 0 && model.attachFilesDenied.has(channelId)) throw new FakeDiscordError(403, 50013, "Missing Permissions");
      const gate = limited(channelId);
      if ("status" in gate) return gate as Reply;
      const reference = body.message_reference as Json | undefined;
      let replyTo = reference?.message_id ? String(reference.message_id) : undefined;
      if (replyTo && (model.messages.get(replyTo)?.deleted ?? true)) {
        if (reference?.fail_if_not_exists !== false) {
          throw new FakeDiscordError(400, 50035, "Invalid Form Body", {
            message_reference: { _errors: [{ code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", message: "Unknown message" }] },
          });
        }
        replyTo = undefined;
      }
      const message = model.postMessage({
        ...fields,
        channelId,
        authorId: model.botUser.id,
        content: fields.content ?? "",
        replyTo,
        ...(files.length > 0 ? { attachments: files } : {}),
      });
      return { status: 200, body: apiMessage(message, model, baseUrl), headers: gate as Record<string, string> };
    }
    if (parts.length === 4 && method === "PATCH") {
      const existing = model.requireMessage(channelId, p3!);
      if (existing.authorId !== model.botUser.id)
        throw new FakeDiscordError(403, 50005, "Cannot edit a message authored by another user");
      const fields = readMessageBody(body, {
        maxContentLength: options.maxContentLength,
        partial: true,
        currentFlags: existing.flags,
      });
      const gate = limited(channelId);
      if ("status" in gate) return gate as Reply;
      const message = model.editMessage(channelId, p3!, fields);
      return { status: 200, body: apiMessage(message, model, baseUrl), headers: gate as Record<string, string> };
    }
    if (parts.length === 4 && method === "DELETE") {
      const existing = model.requireMessage(channelId, p3!);
      if (existing.authorId !== model.botUser.id) throw new FakeDiscordError(403, 50013, "Missing Permissions");
      model.deleteMessage(channelId, p3!);
      return { status: 204 };
    }
    if (parts.length === 5 && p4 === "threads" && method === "POST") {
      const thread = model.createThread({
        parentId: channelId,
        name: String(body.name ?? "thread"),
        ownerId: model.botUser.id,
        fromMessageId: p3,
      });
      return { status: 201, body: apiChannel(thread, model) };
    }
    throw new FakeDiscordError(404, 0, "404: Not Found");
  }

  function serveAttachment(path: string, res: ServerResponse): void {
    options.onAttachment?.(path);
    const [, , channelId, attachmentId] = path.split("/");
    const attachment = attachmentId ? model.attachments.get(attachmentId) : undefined;
    if (!attachment || !channelId) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": attachment.contentType, "content-length": attachment.data.length });
    res.end(attachment.data);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && url.pathname.startsWith("/attachments/")) {
      serveAttachment(url.pathname, res);
      return;
    }
    const prefix = "/api/v10";
    const method = req.method ?? "GET";
    // discord.js escapes `@original` as `%40original`.
    const pathname = decodeURIComponent(url.pathname);
    const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname;
    const raw = await readBody(req);
    // Interaction and webhook tokens are not ids: one route for every token, as Discord's buckets see them.
    const routeName = `${method} ${path.replace(/\d{17,20}/g, ":id").replace(/^\/(interactions\/:id|webhooks\/:id)\/[^/]+/, "/$1/:token")}`;
    const fault = url.pathname.startsWith(prefix) ? options.faults?.take(routeName) : undefined;
    if (fault) {
      const channelId = /^\/channels\/(\d+)/.exec(path)?.[1];
      options.onCall({ method, path, route: routeName, status: fault.kind === "http" ? fault.status : 0, at: Date.now(), ...(channelId ? { channelId } : {}) });
      if (fault.kind === "reset") res.socket?.destroy();
      else if (fault.status === 500) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: "500: Internal Server Error", code: 0 }));
      else res.writeHead(fault.status, { "content-type": "text/html" }).end(`<html><body>${fault.status} Bad Gateway</body></html>`);
      return;
    }
    let reply: Reply;
    let body: Json = {};
    try {
      if (!url.pathname.startsWith(prefix)) throw new FakeDiscordError(404, 0, "404: Not Found");
      // The interaction callback and the interaction's webhook are authorised by the token in the path, and
      // Discord does not count them against the bot's global limit.
      const parts = path.split("/").filter(Boolean);
      const isInteraction = parts[0] === "interactions" || (parts[0] === "webhooks" && parts.length >= 3);
      if (!isInteraction && req.headers.authorization !== `Bot ${options.token}`)
        throw new FakeDiscordError(401, 0, "401: Unauthorized");
      let files: UploadedAttachment[] = [];
      if (isMultipart(req.headers["content-type"])) ({ body, files } = await readMultipart(raw, req.headers["content-type"]!));
      else body = raw.length ? (JSON.parse(raw.toString("utf8")) as Json) : {};
      const globalWait = isInteraction ? null : options.globalLimiter.take();
      if (globalWait !== null) {
        const retryAfter = globalWait / 1000;
        reply = {
          status: 429,
          headers: {
            "retry-after": retryAfter.toFixed(3),
            "x-ratelimit-global": "true",
            "x-ratelimit-scope": "global",
          },
          body: { message: "You are being rate limited.", retry_after: retryAfter, global: true },
        };
      } else {
        reply =
          (isInteraction ? options.interactions.route(method, parts, url.searchParams, body) : null) ??
          (await route(method, path, url.searchParams, body, files));
      }
    } catch (error) {
      reply =
        error instanceof FakeDiscordError
          ? {
              status: error.status,
              body: { code: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) },
            }
          : { status: 400, body: { code: 50109, message: "The request body contains invalid JSON." } };
    }
    const call: RestCall = {
      method,
      path,
      route: routeName,
      status: reply.status,
      at: Date.now(),
    };
    const channelMatch = /^\/channels\/(\d+)/.exec(path);
    if (channelMatch) call.channelId = channelMatch[1];
    if (method !== "GET" && raw.length) call.body = body;
    if (reply.status === 429) call.global = reply.headers?.["x-ratelimit-global"] === "true";
    options.onCall(call);

    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const payload = JSON.stringify(reply.body);
    headers["content-type"] = "application/json";
    res.writeHead(reply.status, headers).end(payload);
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
