/** The fake Discord's global limit, route buckets, interactions, commands, typing and components, against Discord's documented rules. */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { GlobalRateLimiter } from "../support/fake-discord/rate-limit.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";

let fake: FakeDiscord;
let guildId: string;
let channelId: string;
let userId: string;

async function call(method: string, path: string, body?: unknown, auth: string | null = `Bot ${fake.token}`) {
  const response = await fetch(`${fake.apiUrl}/v10${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

async function start(options: Parameters<typeof startFakeDiscord>[0] = {}) {
  fake = await startFakeDiscord(options);
  guildId = fake.model.createGuild({ name: "g" }).id;
  channelId = fake.model.createTextChannel(guildId, "c").id;
  userId = fake.model.createUser({ username: "asker" }).id;
  fake.model.addMember(guildId, userId);
}

afterEach(async () => {
  await fake?.close();
});

describe("global rate limiter", () => {
  test("allows `limit` requests per second in all, then says how long to wait", () => {
    let now = 0;
    const limiter = new GlobalRateLimiter(50, 1000, () => now);
    for (let i = 0; i < 50; i++) expect(limiter.take()).toBeNull();
    now = 400;
    expect(limiter.take()).toBe(600);
    now = 1000;
    expect(limiter.take()).toBeNull();
  });
});

describe("REST limits", () => {
  beforeEach(() => start({ globalRateLimit: 5 }));

  test("past the global limit every route gets 429 with X-RateLimit-Global, but interaction endpoints do not", async () => {
    for (let i = 0; i < 5; i++) expect((await call("GET", "/users/@me")).status).toBe(200);
    const limited = await call("GET", `/channels/${channelId}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-global")).toBe("true");
    expect(limited.headers.get("x-ratelimit-scope")).toBe("global");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ global: true });
    expect(limited.body.retry_after).toBeGreaterThan(0);
    const interaction = fake.slashCommand({ channelId, userId, name: "ask", options: { question: "hi" } });
    expect(
      (await call("POST", `/interactions/${interaction.id}/${interaction.token}/callback`, { type: 5 }, null)).status,
    ).toBe(204);
    expect(fake.globalRateLimitedCount()).toBe(1);
    expect(fake.rateLimitedCount()).toBe(1);
  });
});

describe("route buckets, typing, components", () => {
  beforeEach(() => start({ messageRateLimit: { limit: 3, windowMs: 60_000 } }));

  test("message writes report their bucket in X-RateLimit-Bucket/Limit/Remaining/Reset-After", async () => {
    const created = await call("POST", `/channels/${channelId}/messages`, { content: "one" });
    expect(created.status).toBe(200);
    expect(created.headers.get("x-ratelimit-bucket")).toBeTruthy();
    expect(created.headers.get("x-ratelimit-limit")).toBe("3");
    expect(created.headers.get("x-ratelimit-remaining")).toBe("2");
    expect(Number(created.headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(59);
    const typing = await call("POST", `/channels/${channelId}/typing`);
    expect(typing.status).toBe(204);
    expect(typing.headers.get("x-ratelimit-bucket")).not.toBe(created.headers.get("x-ratelimit-bucket"));
  });

  test("typing shows until the bot's next message in that channel", async () => {
    expect(fake.botIsTyping(channelId)).toBe(false);
    await call("POST", `/channels/${channelId}/typing`);
    expect(fake.botIsTyping(channelId)).toBe(true);
    expect(fake.model.botIsTyping(channelId, Date.now() + 10_000)).toBe(false); // lapses after 10 s
    await call("POST", `/channels/${channelId}/messages`, { content: "done" });
    expect(fake.botIsTyping(channelId)).toBe(false);
    expect(fake.model.typingLog).toHaveLength(1);
  });

  test("embeds take 4,096 characters of description, Components V2 text displays 4,000 with no content", async () => {
    expect(
      (await call("POST", `/channels/${channelId}/messages`, { embeds: [{ description: "x".repeat(4096) }] })).status,
    ).toBe(200);
    const tooLong = await call("POST", `/channels/${channelId}/messages`, {
      embeds: [{ description: "x".repeat(4097) }],
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe(50035);
    const v2 = (text: string, content?: string) => ({
      flags: 1 << 15,
      ...(content ? { content } : {}),
      components: [{ type: 10, content: text }],
    });
    expect((await call("POST", `/channels/${channelId}/messages`, v2("y".repeat(4001)))).status).toBe(400);
    expect((await call("POST", `/channels/${channelId}/messages`, v2("y", "also content"))).status).toBe(400);
  });

  test("buttons are stored on messages, clicked through INTERACTION_CREATE, and updated with callback type 7", async () => {
    const row = (disabled: boolean) => [
      { type: 1, components: [{ type: 2, style: 4, label: "Stop", custom_id: "stop:1", disabled }] },
    ];
    const tooMany = [
      {
        type: 1,
        components: Array.from({ length: 6 }, (_, i) => ({ type: 2, style: 1, label: `${i}`, custom_id: `b${i}` })),
      },
    ];
    expect((await call("POST", `/channels/${channelId}/messages`, { content: "x", components: tooMany })).status).toBe(
      400,
    );
    const posted = await call("POST", `/channels/${channelId}/messages`, { content: "answer", components: row(false) });
    expect(posted.body.components).toEqual(row(false));
    const click = fake.clickButton({ messageId: posted.body.id, userId, customId: "stop:1" });
    expect(click.type).toBe(3);
    expect((await call("POST", `/interactions/${click.id}/${click.token}/callback`, { type: 8 }, null)).status).toBe(
      400,
    ); // 8 is autocomplete only
    expect(
      (
        await call(
          "POST",
          `/interactions/${click.id}/${click.token}/callback`,
          { type: 7, data: { components: row(true) } },
          null,
        )
      ).status,
    ).toBe(204);
    expect(fake.model.messages.get(posted.body.id)!.components).toEqual(row(true));
    expect(() => fake.clickButton({ messageId: posted.body.id, userId, customId: "stop:1" })).toThrow(
      /no enabled button/,
    );
  });
});

describe("component replies", () => {
  beforeEach(() => start());

  test("buttons need a known style and a label or an emoji", async () => {
    const body = (button: Record<string, unknown>) => ({ content: "x", components: [{ type: 1, components: [button] }] });
    const post = (button: Record<string, unknown>) => call("POST", `/channels/${channelId}/messages`, body(button));
    expect((await post({ type: 2, style: 9, label: "?", custom_id: "a" })).status).toBe(400);
    expect((await post({ type: 2, style: 2, custom_id: "a" })).status).toBe(400);
    expect((await post({ type: 2, style: 2, label: "x".repeat(81), custom_id: "a" })).status).toBe(400);
    expect((await post({ type: 2, style: 2, label: "ok", custom_id: "a".repeat(101) })).status).toBe(400);
    expect((await post({ type: 2, style: 2, emoji: { name: "👍" }, custom_id: "a" })).status).toBe(200);
  });

  test("an ephemeral type 4 reply reaches only the clicker: in no channel history, on no gateway event", async () => {
    const button = [{ type: 1, components: [{ type: 2, style: 4, label: "Stop", custom_id: "stop:1" }] }];
    const posted = await call("POST", `/channels/${channelId}/messages`, { content: "answer", components: button });
    const click = fake.clickButton({ messageId: posted.body.id, userId, customId: "stop:1" });
    const answered = await call(
      "POST",
      `/interactions/${click.id}/${click.token}/callback?with_response=true`,
      { type: 4, data: { content: "Only the asker may stop it.", flags: 64 } },
      null,
    );
    expect(answered.status).toBe(200);
    expect(answered.body.interaction.response_message_ephemeral).toBe(true);
    expect(click.ephemeral.map((m) => m.content)).toEqual(["Only the asker may stop it."]);
    const history = await call("GET", `/channels/${channelId}/messages?limit=50`);
    expect(history.body.map((m: { content: string }) => m.content)).toEqual(["answer"]);
    // Deleting it (through the webhook) leaves the channel's messages alone.
    expect((await call("DELETE", `/webhooks/${fake.model.applicationId}/${click.token}/messages/@original`, undefined, null)).status).toBe(204);
    expect((await call("GET", `/channels/${channelId}/messages?limit=50`)).body).toHaveLength(1);
  });
});

describe("interactions", () => {
  beforeEach(() => start({ interactionTimes: { responseDeadlineMs: 150, tokenLifetimeMs: 600 } }));

  test("a deferred reply is edited at @original, followed up, and acknowledged only once", async () => {
    const interaction = fake.slashCommand({ channelId, userId, name: "ask", options: { question: "why?" } });
    const base = `/webhooks/${fake.model.applicationId}/${interaction.token}`;
    expect((await call("PATCH", `${base}/messages/@original`, { content: "too early" }, null)).status).toBe(404);
    const deferred = await call(
      "POST",
      `/interactions/${interaction.id}/${interaction.token}/callback?with_response=true`,
      { type: 5 },
      null,
    );
    expect(deferred.status).toBe(200);
    expect(deferred.body.resource.message.flags & 128).toBe(128); // "is thinking"
    const again = await call(
      "POST",
      `/interactions/${interaction.id}/${interaction.token}/callback`,
      { type: 5 },
      null,
    );
    expect(again.body.code).toBe(40060);
    const edited = await call("PATCH", `${base}/messages/@original`, { content: "the answer" }, null);
    expect(edited.status).toBe(200);
    expect(edited.body.flags & 128).toBe(0);
    expect(edited.body.interaction_metadata.user.id).toBe(userId);
    const followUp = await call("POST", base, { content: "more" }, null);
    expect(followUp.status).toBe(200);
    expect((await call("PATCH", `${base}/messages/${followUp.body.id}`, { content: "more!" }, null)).status).toBe(200);
    expect(fake.botMessages(channelId).map((m) => m.content)).toEqual(["the answer", "more!"]);
    expect((await call("PATCH", `${base}/messages/@original`, { content: "x".repeat(2001) }, null)).status).toBe(400);
  });

  test("a late callback is Unknown interaction; an expired token is Invalid Webhook Token", async () => {
    const late = fake.slashCommand({ channelId, userId, name: "ask", options: { question: "q" } });
    await new Promise((r) => setTimeout(r, 200));
    expect((await call("POST", `/interactions/${late.id}/${late.token}/callback`, { type: 5 }, null)).body.code).toBe(
      10062,
    );

    const timely = fake.slashCommand({ channelId, userId, name: "ask", options: { question: "q" } });
    expect(
      (
        await call(
          "POST",
          `/interactions/${timely.id}/${timely.token}/callback`,
          { type: 4, data: { content: "hi" } },
          null,
        )
      ).status,
    ).toBe(204);
    await new Promise((r) => setTimeout(r, 650));
    const expired = await call(
      "PATCH",
      `/webhooks/${fake.model.applicationId}/${timely.token}/messages/@original`,
      { content: "late" },
      null,
    );
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe(50027);
    expect(
      (await call("POST", `/webhooks/${fake.model.applicationId}/${timely.token}`, { content: "late" }, null)).body
        .code,
    ).toBe(50027);
  });

  test("autocomplete takes only type 8 with up to 25 choices", async () => {
    const typing = fake.autocomplete({
      channelId,
      userId,
      name: "ask",
      options: { question: "wh" },
      focused: "question",
    });
    const path = `/interactions/${typing.id}/${typing.token}/callback`;
    expect((await call("POST", path, { type: 4, data: { content: "no" } }, null)).status).toBe(400);
    const choices = Array.from({ length: 26 }, (_, i) => ({ name: `c${i}`, value: `c${i}` }));
    expect((await call("POST", path, { type: 8, data: { choices } }, null)).status).toBe(400);
    expect((await call("POST", path, { type: 8, data: { choices: choices.slice(0, 2) } }, null)).status).toBe(204);
    expect(fake.interactions.byId.get(typing.id)!.choices).toHaveLength(2);
  });

  test("an autocomplete choice's name and value are at most 100 characters, and the name is not empty", async () => {
    const typing = () => fake.autocomplete({ channelId, userId, name: "model", options: { name: "g" }, focused: "name" });
    const answer = (choices: unknown[]) => {
      const interaction = typing();
      return call("POST", `/interactions/${interaction.id}/${interaction.token}/callback`, { type: 8, data: { choices } }, null);
    };
    const long = "x".repeat(101);
    expect((await answer([{ name: long, value: "v" }])).body.errors.choices[0].name._errors[0].code).toBe("BASE_TYPE_BAD_LENGTH");
    expect((await answer([{ name: "n", value: long }])).body.errors.choices[0].value._errors[0].code).toBe("BASE_TYPE_BAD_LENGTH");
    expect((await answer([{ name: "", value: "v" }])).status).toBe(400);
    expect((await answer([{ name: "x".repeat(100), value: "y".repeat(100) }])).status).toBe(204);
  });
});

describe("command registration", () => {
  beforeEach(() => start());
  const ask = {
    name: "ask",
    description: "Ask a question",
    options: [{ type: 3, name: "question", description: "What to ask", required: true }],
  };

  test("PUT overwrites the list, keeps ids by name, and GET returns what was stored", async () => {
    const app = fake.model.applicationId;
    const first = await call("PUT", `/applications/${app}/commands`, [ask]);
    expect(first.status).toBe(200);
    const second = await call("PUT", `/applications/${app}/commands`, [
      ask,
      { name: "new", description: "Start over" },
    ]);
    expect(second.body[0].id).toBe(first.body[0].id);
    expect((await call("GET", `/applications/${app}/commands`)).body.map((c: any) => c.name)).toEqual(["ask", "new"]);
    expect((await call("PUT", `/applications/${app}/guilds/${guildId}/commands`, [ask])).body[0].guild_id).toBe(
      guildId,
    );
    expect(fake.commands.overwrites.map((o) => o.scope)).toEqual(["global", "global", guildId]);
    expect(fake.slashCommand({ channelId, userId, name: "ask" }).name).toBe("ask");
  });

  test("refuses bad names and descriptions, duplicates, and guilds the bot is not in", async () => {
    const app = fake.model.applicationId;
    expect((await call("PUT", `/applications/${app}/commands`, [{ name: "Ask", description: "x" }])).status).toBe(400);
    expect((await call("PUT", `/applications/${app}/commands`, [{ name: "ask", description: "" }])).status).toBe(400);
    expect((await call("PUT", `/applications/${app}/commands`, [ask, ask])).status).toBe(400);
    const stranger = fake.model.ids.next();
    expect((await call("PUT", `/applications/${app}/guilds/${stranger}/commands`, [ask])).status).toBe(403);
    expect(fake.commands.overwrites).toHaveLength(0);
  });
});
