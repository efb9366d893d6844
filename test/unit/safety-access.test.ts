import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_REFUSAL_REPLY, checkAccess } from "../../src/safety/access.js";

describe("checkAccess", () => {
  it("allows everyone when no list is configured", () => {
    fc.assert(
      fc.property(fc.constantFrom("slack" as const, "discord" as const), fc.string(), fc.string(), (platform, userId, channelId) => {
        expect(checkAccess({}, { platform, userId, channelId })).toEqual({ allowed: true });
      }),
    );
    // An empty list is no restriction; a listed one is.
    const anywhere = { platform: "slack" as const, userId: "U1", channelId: "C9" };
    expect(checkAccess({}, anywhere).allowed).toBe(true);
    expect(checkAccess({ slack: { channels: [] } }, anywhere).allowed).toBe(true);
    expect(checkAccess({ slack: { channels: ["C1"] } }, anywhere).allowed).toBe(false);
  });

  it("checks Slack channels and users", () => {
    const policy = { slack: { channels: ["C1"], users: ["U1", "U2"] } };
    expect(checkAccess(policy, { platform: "slack", userId: "U1", channelId: "C1" }).allowed).toBe(true);
    expect(checkAccess(policy, { platform: "slack", userId: "U1", channelId: "C2" })).toEqual({
      allowed: false,
      reason: "channel",
      reply: DEFAULT_REFUSAL_REPLY,
    });
    expect(checkAccess(policy, { platform: "slack", userId: "U3", channelId: "C1" })).toMatchObject({ reason: "user" });
    // Slack lists do not restrict Discord.
    expect(checkAccess(policy, { platform: "discord", userId: "x", channelId: "y" }).allowed).toBe(true);
  });

  it("checks Discord guilds and channels (a thread passes through its parent)", () => {
    const policy = { discord: { guilds: ["G1"], channels: ["CH1"] } };
    expect(checkAccess(policy, { platform: "discord", userId: "u", channelId: "CH1", guildId: "G1" }).allowed).toBe(true);
    expect(
      checkAccess(policy, { platform: "discord", userId: "u", channelId: "TH9", parentChannelId: "CH1", guildId: "G1" }).allowed,
    ).toBe(true);
    expect(checkAccess(policy, { platform: "discord", userId: "u", channelId: "CH1", guildId: "G2" })).toMatchObject({ reason: "guild" });
    // A DM has no guild: refused when guilds are listed.
    expect(checkAccess(policy, { platform: "discord", userId: "u", channelId: "CH1" })).toMatchObject({ reason: "guild" });
    expect(checkAccess(policy, { platform: "discord", userId: "u", channelId: "CH2", guildId: "G1" })).toMatchObject({ reason: "channel" });
  });

  it("lets a listed Discord user or a holder of a listed role in", () => {
    const policy = { discord: { roles: ["R1"], users: ["U1"] } };
    const at = (userId: string, roleIds?: string[]) =>
      checkAccess(policy, { platform: "discord", userId, channelId: "c", guildId: "g", ...(roleIds ? { roleIds } : {}) });
    expect(at("U1").allowed).toBe(true);
    expect(at("U2", ["R0", "R1"]).allowed).toBe(true);
    expect(at("U2", ["R0"])).toMatchObject({ allowed: false, reason: "user" });
    expect(checkAccess({ discord: { roles: ["R1"] } }, { platform: "discord", userId: "U1", channelId: "c" })).toMatchObject({
      reason: "role",
    });
  });

  it("uses the configured refusal sentence, and an empty one silences it", () => {
    const base = { slack: { users: ["U1"] } };
    const req = { platform: "slack" as const, userId: "U9", channelId: "C" };
    expect(checkAccess({ ...base, refusalReply: "No." }, req)).toMatchObject({ reply: "No." });
    expect(checkAccess({ ...base, refusalReply: "" }, req)).toEqual({ allowed: false, reason: "user", reply: undefined });
    expect(checkAccess({ ...base, refusalReply: "  " }, req)).toMatchObject({ reply: undefined });
  });
});
