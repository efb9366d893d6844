/**
 * The web chat's HTTP server (node:http, no framework): the page and its assets, the JSON API and the event
 * stream. Every request passes the same checks first: on a loopback address only a loopback Host is answered
 * (a web page elsewhere cannot reach the chat through DNS rebinding); every API call needs the user's session
 * cookie; every write needs the `x-threadpilot` header, which a form or image on another site cannot send, so
 * another site cannot post in the user's name.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { WebAuth } from "./auth.js";
import { isLoopbackHost } from "./loopback.js";
import { CONTENT_SECURITY_POLICY, StaticFiles } from "./static-files.js";

export const CSRF_HEADER = "x-threadpilot";
const MAX_JSON_BYTES = 1024 * 1024;

export interface WebRequest {
  /** The path's captures (conversation id, message id ...). */
  params: string[];
  userId: string;
  /** Parsed JSON for `body: "json"` routes, the raw bytes for `body: "bytes"` routes. */
  body: unknown;
  headers: IncomingMessage["headers"];
  response: ServerResponse;
}

export type WebReply =
  | { status: number; json: unknown }
  | { status: number; bytes: Buffer; type: string; headers?: Record<string, string> }
  /** The route answered on `response` itself (the event stream). */
  | { streaming: true };

export interface WebRoute {
  method: "GET" | "POST";
  path: RegExp;
  body?: "json" | "bytes";
  handle(request: WebRequest): Promise<WebReply>;
}

export interface WebServerOptions {
  /** WEB_CHAT_HOST (default 127.0.0.1). */
  host: string;
  /** WEB_CHAT_PORT; 0 picks a free port. */
  port: number;
  auth: WebAuth;
  routes: WebRoute[];
  /** The largest upload accepted (MAX_IMAGE_BYTES). */
  maxUploadBytes: number;
  logger: Logger;
}

export interface WebServer {
  /** Where to open the chat. */
  readonly url: string;
  readonly port: number;
  readonly listening: boolean;
  /** Takes no new connections; open ones (the pages' event streams) stay until `close`. */
  stopListening(): void;
  close(): Promise<void>;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { auth, logger } = options;
  const files = new StaticFiles();
  const loopback = isLoopbackHost(options.host);
  let port = options.port;

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof RequestError ? error.status : 500;
      if (status === 500) logger.error({ err: error instanceof Error ? error.message : String(error) }, "Web chat request failed");
      const message = error instanceof RequestError ? error.message : "Something went wrong on the server; please try again.";
      if (!response.headersSent) sendJson(response, status, { error: message });
      else response.end();
    });
  });
  server.keepAliveTimeout = 5_000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader("x-content-type-options", "nosniff");
    response.setHeader("referrer-policy", "no-referrer");
    response.setHeader("x-frame-options", "DENY");
    if (loopback && !isLoopbackHost(hostName(request.headers.host))) {
      throw new RequestError(421, "This chat answers only at a loopback address such as 127.0.0.1.");
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const path = url.pathname;
    const method = request.method ?? "GET";

    if ((method === "GET" || method === "HEAD") && files.has(path)) {
      const file = await files.get(path);
      response.writeHead(200, {
        "content-type": file.type,
        "cache-control": "no-cache",
        ...(file.type.startsWith("text/html") ? { "content-security-policy": CONTENT_SECURITY_POLICY } : {}),
      });
      response.end(method === "HEAD" ? undefined : file.body);
      return;
    }
    if (!path.startsWith("/api/")) throw new RequestError(404, "Not found: the chat is at /.");
    if (method === "POST" && request.headers[CSRF_HEADER] !== "1") {
      throw new RequestError(403, `Requests that change something must carry the ${CSRF_HEADER} header.`);
    }

    if (path === "/api/session" && method === "POST") {
      const body = await readJson(request);
      const session = auth.openSession(request, (body as { token?: unknown } | null)?.token);
      if (!session.ok) throw new RequestError(401, "That token is not right: ask whoever runs the bot for WEB_CHAT_TOKEN.");
      response.setHeader("set-cookie", session.cookies);
      sendJson(response, 200, { ok: true });
      return;
    }

    const route = options.routes.find((r) => r.method === method && r.path.test(path));
    if (!route) throw new RequestError(404, "There is no such API call.");
    const userId = auth.userOf(request);
    if (!userId) throw new RequestError(401, auth.tokenRequired ? "Enter the chat's access token to continue." : "Your session has ended; reload the page.");
    const params = route.path.exec(path)!.slice(1);
    const body =
      route.body === "json" ? await readJson(request) : route.body === "bytes" ? await readBytes(request, options.maxUploadBytes) : undefined;
    const reply = await route.handle({ params, userId, body, headers: request.headers, response });
    if ("streaming" in reply) return;
    if ("json" in reply) {
      sendJson(response, reply.status, reply.json);
      return;
    }
    response.writeHead(reply.status, { "content-type": reply.type, "cache-control": "private, max-age=3600", ...reply.headers });
    response.end(reply.bytes);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `The web chat could not listen on ${options.host}:${options.port}: ${error.code === "EADDRINUSE" ? "the port is in use (set WEB_CHAT_PORT to another one)" : error.message}.`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host.includes(":") ? `[${options.host}]` : options.host;

  return {
    url: `http://${shownHost}:${port}/`,
    port,
    get listening() {
      return server.listening;
    },
    stopListening: () => {
      if (server.listening) server.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (server.listening) server.close(() => resolve());
        else resolve();
        server.closeAllConnections();
      }),
  };
}

/** The host part of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "[::1]"). */
function hostName(header: string | undefined): string {
  if (!header) return "";
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  return header.split(":")[0]!.toLowerCase();
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  response.end(payload);
}

async function readBytes(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  const tooLarge = () => new RequestError(413, `Files up to ${formatBytes(maxBytes)} can be attached.`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = String(request.headers["content-type"] ?? "");
  if (!type.startsWith("application/json")) throw new RequestError(415, "Send JSON (content-type: application/json).");
  const bytes = await readBytes(request, MAX_JSON_BYTES).catch(() => {
    throw new RequestError(413, "The request is too large.");
  });
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    throw new RequestError(400, "The request body is not valid JSON.");
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

export { RequestError };
