import { describe, expect, it } from "vitest";
import { RequestGate } from "../../src/safety/request-gate.js";
import { UserRateLimiter } from "../../src/safety/user-rate-limit.js";

describe("RequestGate", () => {
  const now = 0;
  const gate = () =>
    new RequestGate({
      access: { slack: { channels: ["C1"] } },
      rateLimiter: new UserRateLimiter({ limit: 2, windowMs: 60_000, now: () => now }),
    });

  it("refuses outside the allow-list without using up the user's rate", () => {
    const g = gate();
    expect(g.check({ platform: "slack", userId: "U1", channelId: "C9" })).toMatchObject({ allowed: false, because: "access" });
    expect(g.check({ platform: "slack", userId: "U1", channelId: "C1" }).allowed).toBe(true);
    expect(g.check({ platform: "slack", userId: "U1", channelId: "C1" }).allowed).toBe(true);
  });

  it("says 'slow down' once per burst", () => {
    const g = gate();
    const req = { platform: "slack" as const, userId: "U1", channelId: "C1" };
    g.check(req);
    g.check(req);
    const first = g.check(req);
    expect(first).toMatchObject({ allowed: false, because: "rate" });
    expect(first.allowed === false && first.reply).toMatch(/wait/);
    expect(g.check(req)).toEqual({ allowed: false, because: "rate", reply: undefined });
  });

  it("never holds a stop to the per-user limit, and never counts one toward it", () => {
    const g = gate();
    const req = { platform: "slack" as const, userId: "U1", channelId: "C1" };
    const stop = { countsTowardLimit: false };
    for (let i = 0; i < 5; i++) expect(g.check(req, stop)).toEqual({ allowed: true });
    expect(g.check(req).allowed).toBe(true);
    expect(g.check(req).allowed).toBe(true);
    expect(g.check(req).allowed).toBe(false);
    // Over the limit now: a stop still goes through; the access lists still apply to it.
    expect(g.check(req, stop)).toEqual({ allowed: true });
    expect(g.check({ ...req, channelId: "C9" }, stop)).toMatchObject({ allowed: false, because: "access" });
  });

  it("is open with no lists and no limiter", () => {
    expect(new RequestGate({ access: {} }).check({ platform: "discord", userId: "u", channelId: "c" })).toEqual({ allowed: true });
  });
});
