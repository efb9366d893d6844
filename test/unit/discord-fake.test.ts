/** The fake Discord itself: the rules other tests rely on it to enforce. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeDiscordModel } from "../support/fake-discord/model.js";
import { ChannelRateLimiter } from "../support/fake-discord/rate-limit.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { SnowflakeGenerator, snowflakeTime } from "../support/fake-discord/snowflake.js";

describe("snowflakes", () => {
  test("grow with time, never repeat within a millisecond, and carry their time", () => {
    const ids = new SnowflakeGenerator();
    const list = Array.from({ length: 5_000 }, () => ids.next(1_700_000_000_000));
    expect(new Set(list).size).toBe(list.length);
    const big = list.map(BigInt);
    expect(big.every((id, i) => i === 0 || id > big[i - 1]!)).toBe(true);
    expect(snowflakeTime(ids.next(1_700_000_000_500))).toBeGreaterThanOrEqual(1_700_000_000_500);
  });
});

describe("model paging", () => {
  test("pages newest first, before and after an id", () => {
    const model = new FakeDiscordModel();
    const guild = model.createGuild({ name: "g" });
    const channel = model.createTextChannel(guild.id, "c");
    const user = model.createUser({ username: "u" });
    const sent = Array.from({ length: 10 }, (_, i) => model.postMessage({ channelId: channel.id, authorId: user.id, content: `m${i}` }));
    expect(model.pageMessages(channel.id, { limit: 3 }).map((m) => m.content)).toEqual(["m9", "m8", "m7"]);
    expect(model.pageMessages(channel.id, { limit: 3, before: sent[5]!.id }).map((m) => m.content)).toEqual(["m4", "m3", "m2"]);
    expect(model.pageMessages(channel.id, { limit: 2, after: sent[7]!.id }).map((m) => m.content)).toEqual(["m9", "m8"]);
  });

  test("an ephemeral message (flag 64) is not in the channel's history", () => {
    const model = new FakeDiscordModel();
    const guild = model.createGuild({ name: "g" });
    const channel = model.createTextChannel(guild.id, "c");
    const user = model.createUser({ username: "u" });
    model.postMessage({ channelId: channel.id, authorId: user.id, content: "seen" });
    model.postMessage({ channelId: channel.id, authorId: model.botUser.id, content: "only for you", flags: 64 });
    model.postMessage({ channelId: channel.id, authorId: user.id, content: "also seen" });
    expect(model.pageMessages(channel.id, { limit: 2 }).map((m) => m.content)).toEqual(["also seen", "seen"]);
  });
});

describe("channel rate limiter", () => {
  test("allows `limit` calls per window per channel, then says how long to wait", () => {
    let now = 1_000;
    const limiter = new ChannelRateLimiter(5, 5_000, () => now);
    for (let i = 0; i < 5; i++) expect(limiter.take("a").allowed).toBe(true);
    const refused = limiter.take("a");
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 5_000 });
    expect(limiter.take("b").allowed).toBe(true); // another channel has its own bucket
    now += 5_000;
    expect(limiter.take("a").allowed).toBe(true);
  });
});

describe("REST", () => {
  let fake: FakeDiscord;
  let channelId: string;
  const post = (content: string, token = fake.token) =>
    fetch(`${fake.apiUrl}/v10/channels/${channelId}/messages`, {
      method: "POST",
      headers: { authorization: `Bot ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ content }),
    });

  beforeAll(async () => {
    fake = await startFakeDiscord({ messageRateLimit: { limit: 2, windowMs: 60_000 } });
    const guild = fake.model.createGuild({ name: "g" });
    channelId = fake.model.createTextChannel(guild.id, "c").id;
  });
  afterAll(async () => {
    await fake.close();
  });

  test("refuses a bad token, content over 2,000 characters, and a third write in the window with 429", async () => {
    expect((await post("hi", "wrong")).status).toBe(401);
    const tooLong = await post("x".repeat(2_001));
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ code: 50035 });
    const first = await post("x".repeat(2_000));
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect((await post("two")).status).toBe(200);
    const limited = await post("three");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.json()) as object).toMatchObject({ global: false });
    expect(fake.rateLimitedCount()).toBe(1);
    expect(fake.botMessages(channelId).map((m) => m.content.length)).toEqual([2_000, 3]);
  });
});
