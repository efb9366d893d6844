import { describe, expect, it } from "vitest";
import { UserRateLimiter } from "../../src/safety/user-rate-limit.js";

function limiter(limit: number, windowMs: number, reply?: string) {
  let now = 1_000_000;
  const rl = new UserRateLimiter({ limit, windowMs, now: () => now, ...(reply !== undefined ? { reply } : {}) });
  return { rl, advance: (ms: number) => (now += ms) };
}

describe("UserRateLimiter", () => {
  it("allows `limit` requests per sliding window, then asks to slow down once", () => {
    const { rl, advance } = limiter(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(rl.check("slack:U1").allowed).toBe(true);
      advance(10_000);
    }
    const refused = rl.check("slack:U1");
    expect(refused).toMatchObject({ allowed: false, notify: true, retryAfterMs: 30_000 });
    expect(refused.allowed === false && refused.reply).toMatch(/wait about 30 seconds/);
    expect(rl.check("slack:U1")).toMatchObject({ allowed: false, notify: false });
    // Other users are not affected.
    expect(rl.check("slack:U2").allowed).toBe(true);
    // The oldest request leaves the window 60 s after it was made.
    advance(30_000);
    expect(rl.check("slack:U1").allowed).toBe(true);
    expect(rl.check("slack:U1")).toMatchObject({ allowed: false, notify: true });
  });

  it("does not count refused requests against the user", () => {
    const { rl, advance } = limiter(1, 1_000);
    expect(rl.check("u").allowed).toBe(true);
    for (let i = 0; i < 5; i++) expect(rl.check("u").allowed).toBe(false);
    advance(1_000);
    expect(rl.check("u").allowed).toBe(true);
  });

  it("is off with limit 0, and can be silenced", () => {
    const { rl } = limiter(0, 1_000);
    for (let i = 0; i < 100; i++) expect(rl.check("u").allowed).toBe(true);
    const silent = limiter(1, 1_000, "").rl;
    silent.check("u");
    expect(silent.check("u")).toMatchObject({ allowed: false, reply: undefined });
  });

  it("keeps memory bounded by sweeping idle users", () => {
    const { rl, advance } = limiter(1, 1_000);
    for (let i = 0; i < 10_001; i++) rl.check(`u${i}`);
    advance(2_000);
    rl.check("fresh");
    expect(rl.size).toBeLessThan(10);
  });
});
