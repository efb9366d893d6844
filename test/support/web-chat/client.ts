/**
 * A client of the web chat's HTTP API for tests, speaking to it as the page does: a session cookie, the
 * x-threadpilot header on writes, and the server-sent event stream read as it arrives.
 */
import { randomUUID } from "node:crypto";

export interface WebMessageView {
  id: string;
  seq: number;
  role: "user" | "assistant";
  text: string;
  attachments?: Array<{ id: string; name: string; size: number; imageType?: string }>;
  feedback?: "up" | "down";
}

export interface LiveEventView {
  type: string;
  conversationId?: string;
  message?: WebMessageView;
  running?: boolean;
  [key: string]: unknown;
}

export class WebChatClient {
  private cookies = new Map<string, string>();
  readonly events: LiveEventView[] = [];
  private readonly waiters = new Set<() => void>();
  private stream: AbortController | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(method === "GET" ? {} : { "content-type": "application/json", "x-threadpilot": "1" }),
        ...(this.cookies.size > 0 ? { cookie: this.cookieHeader } : {}),
        ...this.extraHeaders,
        ...headers,
      },
      ...(method === "GET" ? {} : { body: body === undefined ? "{}" : typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json, headers: response.headers };
  }

  async signIn(token?: string): Promise<void> {
    const { status, json } = await this.request("POST", "/api/session", token === undefined ? {} : { token });
    if (status !== 200) throw new Error(`sign-in failed: ${status} ${JSON.stringify(json)}`);
  }

  async newConversation(): Promise<string> {
    const { status, json } = await this.request("POST", "/api/conversations", {});
    if (status !== 201) throw new Error(`could not create a conversation: ${status} ${JSON.stringify(json)}`);
    return json.conversation.id as string;
  }

  async send(conversationId: string, text: string, options: { id?: string; attachments?: string[] } = {}): Promise<{ status: number; json: any }> {
    return this.request("POST", `/api/conversations/${conversationId}/messages`, {
      id: options.id ?? randomUUID(),
      text,
      ...(options.attachments ? { attachments: options.attachments } : {}),
    });
  }

  async conversation(conversationId: string): Promise<{ messages: WebMessageView[]; running: boolean; title: string }> {
    const { status, json } = await this.request("GET", `/api/conversations/${conversationId}`);
    if (status !== 200) throw new Error(`could not read the conversation: ${status} ${JSON.stringify(json)}`);
    return { messages: json.messages, running: json.running, title: json.conversation.title };
  }

  async upload(name: string, data: Buffer, type = "application/octet-stream"): Promise<{ status: number; json: any }> {
    return this.request("POST", "/api/files", data, { "content-type": type, "x-file-name": encodeURIComponent(name) });
  }

  /** Opens the event stream and records every event until `close`. */
  async follow(): Promise<void> {
    this.stream = new AbortController();
    const response = await fetch(new URL("/api/events", this.baseUrl), {
      headers: { cookie: this.cookieHeader, ...this.extraHeaders },
      signal: this.stream.signal,
    });
    if (response.status !== 200 || !response.body) throw new Error(`event stream refused: ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = "";
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffer += value;
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split("\n").find((line) => line.startsWith("data: "));
            if (!data) continue;
            this.events.push(JSON.parse(data.slice(6)) as LiveEventView);
            for (const wake of [...this.waiters]) wake();
          }
        }
      } catch {
        // Closed by `close`.
      }
    })();
  }

  /** The texts a bot message showed, in the order the events carried them (repeats removed). */
  textsOf(messageId: string): string[] {
    const texts: string[] = [];
    for (const event of this.events) {
      if (event.type !== "message" || event.message?.id !== messageId) continue;
      if (texts.at(-1) !== event.message.text) texts.push(event.message.text);
    }
    return texts;
  }

  waitForEvent(match: (event: LiveEventView) => boolean, timeoutMs = 30_000, what = "an event"): Promise<LiveEventView> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-5))}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.stream?.abort();
  }
}
