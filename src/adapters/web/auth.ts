/**
 * Who is using the web chat. A user is a random id kept in a cookie (their conversations are theirs); with
 * WEB_CHAT_TOKEN set, the page must first present the token once, and the cookie then carries a proof (an HMAC of
 * the user id keyed by the token) checked on every request, so the token itself never sits in a cookie and
 * changing it signs everyone out. Every comparison is constant-time.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

const USER_COOKIE = "tp_user";
const PROOF_COOKIE = "tp_auth";
const COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;
const USER_ID = /^[0-9a-f-]{36}$/;

export type SessionResult = { ok: true; userId: string; cookies: string[] } | { ok: false };

export class WebAuth {
  constructor(private readonly token?: string) {}

  /** Whether the page must present WEB_CHAT_TOKEN before it may use the chat. */
  get tokenRequired(): boolean {
    return Boolean(this.token);
  }

  /** The request's user, when its cookies say who it is (and, with a token, prove it was presented). */
  userOf(request: IncomingMessage): string | undefined {
    const cookies = parseCookies(request.headers.cookie);
    const user = cookies[USER_COOKIE];
    if (!user || !USER_ID.test(user)) return undefined;
    if (!this.token) return user;
    const proof = cookies[PROOF_COOKIE];
    return proof !== undefined && constantTimeEqual(proof, this.proofFor(user, this.token)) ? user : undefined;
  }

  /**
   * Opens a session: checks the presented token (when one is required) and returns the cookies to set. A browser
   * that already has a user id keeps it, and with it its conversations.
   */
  openSession(request: IncomingMessage, presentedToken: unknown): SessionResult {
    if (this.token && (typeof presentedToken !== "string" || !constantTimeEqual(presentedToken, this.token))) {
      return { ok: false };
    }
    const existing = parseCookies(request.headers.cookie)[USER_COOKIE];
    const userId = existing && USER_ID.test(existing) ? existing : randomUUID();
    const attributes = `Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}`;
    const cookies = [`${USER_COOKIE}=${userId}; ${attributes}`];
    if (this.token) cookies.push(`${PROOF_COOKIE}=${this.proofFor(userId, this.token)}; ${attributes}`);
    return { ok: true, userId, cookies };
  }

  private proofFor(userId: string, token: string): string {
    return createHmac("sha256", token).update(`threadpilot-web:${userId}`).digest("base64url");
  }
}

/** Equal strings take as long to compare as unequal ones of any length: both sides are hashed first. */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in cookies)) cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}
