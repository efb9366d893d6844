/**
 * Pushes what changes in a user's conversations to their open pages, over server-sent events: each post or edit
 * of a message carries the message's whole text (the page replaces it), so a page that missed an event is right
 * again at the next one, and a reload reads everything from the store. One process's pages only.
 */
import type { ServerResponse } from "node:http";
import type { ConversationSummary, WebMessage } from "./conversation-store.js";

export type LiveEvent =
  | { type: "message"; conversationId: string; message: WebMessage }
  | { type: "deleted"; conversationId: string; messageId: string }
  | { type: "conversation"; conversation: ConversationSummary }
  | { type: "running"; conversationId: string; running: boolean };

/** A comment line every so often keeps proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

export class LiveUpdates {
  private readonly pages = new Map<string, Set<ServerResponse>>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => this.broadcast(": keep-alive\n\n"), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Holds `response` open as `userId`'s event stream until the page goes away. */
  subscribe(userId: string, response: ServerResponse): void {
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    // The browser reconnects by itself after this long if the stream drops.
    response.write("retry: 1000\n\n");
    const set = this.pages.get(userId) ?? new Set<ServerResponse>();
    this.pages.set(userId, set);
    set.add(response);
    response.on("close", () => {
      set.delete(response);
      if (set.size === 0) this.pages.delete(userId);
    });
  }

  publish(userId: string, event: LiveEvent): void {
    const pages = this.pages.get(userId);
    if (!pages) return;
    const frame = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const page of pages) if (!page.writableEnded) page.write(frame);
  }

  /** Ends every stream (shutdown). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const set of this.pages.values()) for (const page of set) page.end();
    this.pages.clear();
  }

  private broadcast(text: string): void {
    for (const set of this.pages.values()) for (const page of set) if (!page.writableEnded) page.write(text);
  }
}
