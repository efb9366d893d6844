import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { cleanName, looksLikeImage } from "../../src/adapters/web/attachments.js";
import { constantTimeEqual, parseCookies, WebAuth } from "../../src/adapters/web/auth.js";
import { toHistory } from "../../src/adapters/web/history-reader.js";
import { isLoopbackHost } from "../../src/adapters/web/loopback.js";
import { markdownForPage } from "../../src/adapters/web/markdown.js";
import { MAX_POSTED_CHARS, parsePostedMessage, parseRating } from "../../src/adapters/web/message-filter.js";
import type { WebMessage } from "../../src/adapters/web/conversation-store.js";

const ID = "0123456789abcdef";
const request = (cookie?: string) => ({ headers: cookie ? { cookie } : {} }) as IncomingMessage;

describe("web chat message filter", () => {
  it("takes a message with an id, trimmed text and de-duplicated attachments", () => {
    expect(parsePostedMessage({ id: ID, text: "  hi  ", attachments: ["abcdefgh", "abcdefgh"] })).toEqual({
      ok: true,
      message: { id: ID, text: "hi", attachmentIds: ["abcdefgh"] },
    });
    expect(parsePostedMessage({ id: ID, attachments: ["abcdefgh"] })).toMatchObject({ ok: true, message: { text: "" } });
  });

  it("refuses bad input with one sentence each", () => {
    expect(parsePostedMessage(null)).toEqual({ ok: false, problem: "The message must be a JSON object." });
    expect(parsePostedMessage({ id: "../etc", text: "x" })).toMatchObject({ ok: false });
    expect(parsePostedMessage({ id: ID, text: 5 })).toEqual({ ok: false, problem: "The message text must be a string." });
    expect(parsePostedMessage({ id: ID, text: "x".repeat(MAX_POSTED_CHARS + 1) })).toEqual({
      ok: false,
      problem: "The message is longer than 100,000 characters.",
    });
    expect(parsePostedMessage({ id: ID, text: "x", attachments: "a" })).toMatchObject({ ok: false });
    expect(parsePostedMessage({ id: ID, text: "x", attachments: Array.from({ length: 21 }, (_, i) => `file-${i}-xx`) })).toEqual({
      ok: false,
      problem: "A message can carry at most 20 files.",
    });
    expect(parsePostedMessage({ id: ID, text: " \n " })).toEqual({ ok: false, problem: "The message is empty." });
  });

  it("reads a rating: up, down, or null to take it back", () => {
    expect(parseRating({ rating: "up" })).toEqual({ ok: true, rating: "up" });
    expect(parseRating({ rating: null })).toEqual({ ok: true, rating: undefined });
    expect(parseRating({})).toMatchObject({ ok: false });
  });
});

describe("web chat files", () => {
  it("keeps a file's name only: no path, no control characters, not endless", () => {
    expect(cleanName("../../etc/passwd")).toBe("passwd");
    expect(cleanName("C:\\Users\\me\\report.txt")).toBe("report.txt");
    expect(cleanName("bad\u0000name\n.png")).toBe("badname.png");
    expect(cleanName("")).toBe("file");
    expect(cleanName("a".repeat(500))).toHaveLength(200);
  });

  it("takes files presented as images as candidates; the bytes decide later", () => {
    expect(looksLikeImage({ id: ID, name: "cat.png", size: 1 })).toBe(true);
    expect(looksLikeImage({ id: ID, name: "cat", size: 1, declaredType: "image/jpeg" })).toBe(true);
    expect(looksLikeImage({ id: ID, name: "notes.txt", size: 1, declaredType: "text/plain" })).toBe(false);
  });
});

describe("web chat sessions", () => {
  it("compares in constant time and parses cookies", () => {
    expect(constantTimeEqual("secret", "secret")).toBe(true);
    expect(constantTimeEqual("secret", "secret!")).toBe(false);
    expect(parseCookies("a=1; b=x=y; a=2")).toEqual({ a: "1", b: "x=y" });
  });

  it("without a token: a user id cookie is the user, kept across sessions", () => {
    const auth = new WebAuth();
    const session = auth.openSession(request(), undefined);
    expect(session.ok).toBe(true);
    if (!session.ok) return;
    const cookie = session.cookies.map((c) => c.split(";")[0]).join("; ");
    expect(session.cookies[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect(auth.userOf(request(cookie))).toBe(session.userId);
    const again = auth.openSession(request(cookie), undefined);
    expect(again.ok && again.userId).toBe(session.userId);
    expect(auth.userOf(request("tp_user=not-an-id"))).toBeUndefined();
  });

  it("with a token: the right one opens a session whose proof another token does not accept", () => {
    const auth = new WebAuth("token-one-0123456789");
    expect(auth.openSession(request(), "wrong")).toEqual({ ok: false });
    expect(auth.openSession(request(), undefined)).toEqual({ ok: false });
    const session = auth.openSession(request(), "token-one-0123456789");
    if (!session.ok) throw new Error("expected a session");
    const cookie = session.cookies.map((c) => c.split(";")[0]).join("; ");
    expect(cookie).not.toContain("token-one");
    expect(auth.userOf(request(cookie))).toBe(session.userId);
    expect(new WebAuth("token-two-0123456789").userOf(request(cookie))).toBeUndefined();
  });
});

describe("web chat history and rendering", () => {
  const message = (id: string, role: WebMessage["role"], text: string, seq: number): WebMessage => ({ id, role, text, seq, at: seq });

  it("reads the conversation up to the message answered, the bot's messages as its own", () => {
    const messages = [message("q1", "user", "first", 1), message("a1", "assistant", "answer", 2), message("q2", "user", "second", 3), message("q3", "user", "later", 4)];
    expect(toHistory(messages, "q2")).toEqual([
      { role: "user", speaker: "User", text: "first", imageCount: 0 },
      { role: "assistant", speaker: "", text: "answer", imageCount: 0 },
      { role: "user", speaker: "User", text: "second", imageCount: 0 },
    ]);
    expect(toHistory(messages, "gone")).toEqual([]);
    const stopped = [message("q1", "user", "go", 1), message("s", "user", "STOP.", 2), message("q2", "user", "stop", 3)];
    // A "stop" said earlier is left out; the message answered is always in.
    expect(toHistory(stopped, "q2").map((m) => m.text)).toEqual(["go", "stop"]);
  });

  it("sends Markdown to the page as the model wrote it", () => {
    expect(markdownForPage("| a | b |\n|---|---|\n| 1 | 2 |\n\n")).toBe("| a | b |\n|---|---|\n| 1 | 2 |");
  });

  it("knows loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ["0.0.0.0", "192.168.1.2", "example.com", "::"]) expect(isLoopbackHost(host)).toBe(false);
  });
});
