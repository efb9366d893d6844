import { DiscordAPIError, HTTPError, RateLimitError, type Message, type SendableChannels } from "discord.js";
import { describe, expect, test, vi } from "vitest";
import { rejectMessageWrites } from "../../src/adapters/discord/connection.js";
import { DiscordReplyTarget } from "../../src/adapters/discord/reply-target.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { RateLimitedError, TransientPlatformError, type EditBudget } from "../../src/reply/target.js";

const budget: EditBudget = { take: async () => {}, pause: () => {} };

function rateLimitError(retryAfter: number, timeToReset = 0) {
  return new RateLimitError({
    timeToReset,
    limit: 5,
    method: "PATCH",
    hash: "h",
    url: "http://x/api/v10/channels/1/messages/2",
    route: "/channels/:id/messages/:id",
    majorParameter: "1",
    global: false,
    retryAfter,
    sublimitTimeout: 0,
    scope: "user",
  });
}

function setup() {
  let next = 100;
  const channel = {
    send: vi.fn(async () => ({ id: String(next++) })),
    sendTyping: vi.fn(async () => {}),
    messages: { edit: vi.fn(async () => ({})), delete: vi.fn(async () => {}) },
  };
  const question = { reply: vi.fn(async () => ({ id: String(next++) })) };
  const target = new DiscordReplyTarget({
    channel: channel as unknown as SendableChannels,
    replyTo: question as unknown as Message,
    budget,
  });
  return { channel, question, target };
}

describe("DiscordReplyTarget", () => {
  test("the first message replies to the question, continuations follow in the channel, mentions never ping", async () => {
    const { channel, question, target } = setup();
    expect(await target.post("first")).toEqual({ id: "100" });
    expect(await target.post("second")).toEqual({ id: "101" });
    expect(question.reply).toHaveBeenCalledTimes(1);
    expect(question.reply.mock.calls[0]).toMatchObject([{ content: "first", allowedMentions: { parse: [], repliedUser: false } }]);
    expect(channel.send.mock.calls[0]).toMatchObject([{ content: "second", allowedMentions: { parse: [] } }]);
    await target.edit({ id: "100" }, "first, longer");
    expect(channel.messages.edit).toHaveBeenCalledWith("100", expect.objectContaining({ content: "first, longer" }));
    expect(target.maxMessageLength).toBe(2000);
  });

  test("discord.js's rate-limit rejection becomes RateLimitedError, and a refused first post still replies when retried", async () => {
    const { question, target } = setup();
    question.reply.mockRejectedValueOnce(rateLimitError(1_200));
    const error = await target.post("first").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(1_200);
    await target.post("first");
    expect(question.reply).toHaveBeenCalledTimes(2);
  });

  test("a pre-emptive limit (no retry-after yet) waits for the bucket's reset", async () => {
    const { channel, target } = setup();
    channel.messages.edit.mockRejectedValueOnce(rateLimitError(0, 2_500));
    const error = await target.edit({ id: "1" }, "x").catch((e: unknown) => e);
    expect((error as RateLimitedError).retryAfterMs).toBe(2_500);
  });

  test("a 429 discord.js lets through becomes RateLimitedError; other errors stay what they are", async () => {
    const { channel, target } = setup();
    const tooMany = new DiscordAPIError({ message: "You are being rate limited.", code: 0, retry_after: 0.8 } as never, 0, 429, "PATCH", "/x", {});
    channel.messages.edit.mockRejectedValueOnce(tooMany);
    expect(((await target.edit({ id: "1" }, "x").catch((e: unknown) => e)) as RateLimitedError).retryAfterMs).toBe(800);
    const missing = new DiscordAPIError({ message: "Missing Access", code: 50001 }, 50001, 403, "PATCH", "/x", {});
    channel.messages.edit.mockRejectedValueOnce(missing);
    expect(await target.edit({ id: "1" }, "x").catch((e: unknown) => e)).toBe(missing);
  });
});

describe("DiscordReplyTarget: typing and the bot-wide budget", () => {
  function withBotBudget(botBudget: ScopeBudget) {
    const channel = { sendTyping: vi.fn(async () => {}) };
    const target = new DiscordReplyTarget({ channel: channel as unknown as SendableChannels, budget, botBudget });
    return { channel, target };
  }

  test("typing takes a free grant of the bot budget and gives it back when done", async () => {
    const botBudget = new ScopeBudget({ calls: 1, perMs: 1_000 });
    const { channel, target } = withBotBudget(botBudget);
    await target.typing();
    expect(channel.sendTyping).toHaveBeenCalledTimes(1);
    expect(botBudget.idle).toBe(false); // its call counts in the window
  });

  test("when the bot budget is spent and edits wait for it, typing is skipped instead of queueing behind them", async () => {
    const botBudget = new ScopeBudget({ calls: 1, perMs: 60_000 });
    const { channel, target } = withBotBudget(botBudget);
    const running = await botBudget.take(); // an edit in flight
    const waitingEdit = botBudget.take(); // the next edit, waiting for the window
    const outcome = await Promise.race([
      target.typing().then(() => "returned"),
      new Promise((resolve) => setTimeout(resolve, 10_000, "still waiting")),
    ]);
    expect(outcome).toBe("returned");
    expect(channel.sendTyping).not.toHaveBeenCalled();
    running?.();
    // The waiting edit keeps its place: typing left the queue when it gave up.
    void waitingEdit.then((done) => done?.());
  });

  test("typing never goes ahead of a waiting placeholder, even where the window still has room for one-off calls", async () => {
    // 200 answers streaming: the budget keeps a share of its 40 calls a second for their finals, so a placeholder
    // (first words) waits once 20 calls are in the window, while a one-off call could still take a slot.
    const botBudget = new ScopeBudget({ calls: 40, perMs: 1_000 });
    const leave = Array.from({ length: 200 }, () => botBudget.join());
    const granted = await Promise.all(Array.from({ length: 20 }, () => botBudget.take(undefined, { kind: "first" })));
    let placeholderGranted = false;
    const placeholder = botBudget.take(undefined, { kind: "first" }).then((done) => {
      placeholderGranted = true;
      return done;
    });
    const { channel, target } = withBotBudget(botBudget);
    await target.typing();
    expect(channel.sendTyping).not.toHaveBeenCalled();
    expect(placeholderGranted).toBe(false);
    expect(botBudget.room("final")).toBeGreaterThan(0); // a one-off call would still have been let through
    // Once the answers are gone, the reserve with them, the placeholder goes first.
    for (const l of leave) l();
    (await placeholder)?.();
    for (const done of granted) done?.();
  });

  test("typing takes only a spare grant: not the share kept for the answers' finals and newcomers", async () => {
    // 40 a second with 200 answers: 20 kept for finals, 2 for newcomers' first words, 18 for streaming and typing.
    const botBudget = new ScopeBudget({ calls: 40, perMs: 1_000 });
    const leave = Array.from({ length: 200 }, () => botBudget.join());
    const running = await Promise.all(Array.from({ length: 17 }, () => botBudget.take(undefined, { kind: "first" })));
    const { channel, target } = withBotBudget(botBudget);
    await target.typing(); // the 18th call of the window
    expect(channel.sendTyping).toHaveBeenCalledTimes(1);
    await target.typing();
    expect(channel.sendTyping).toHaveBeenCalledTimes(1);
    for (const l of leave) l();
    for (const done of running) done?.();
  });
});

describe("DiscordReplyTarget: Discord's passing trouble", () => {
  test("a 5xx, a network error or discord.js's timeout becomes TransientPlatformError, for posts, edits and deletes", async () => {
    const { channel, question, target } = setup();
    const passing = [
      new HTTPError(502, "Bad Gateway", "PATCH", "http://x/api/v10/channels/1/messages/2", {}),
      new HTTPError(500, "Internal Server Error", "PATCH", "http://x/api/v10/channels/1/messages/2", {}),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      new DOMException("This operation was aborted", "AbortError"),
    ];
    for (const error of passing) {
      channel.messages.edit.mockRejectedValueOnce(error);
      const thrown = await target.edit({ id: "1" }, "x").catch((e: unknown) => e);
      expect(thrown, String(error)).toBeInstanceOf(TransientPlatformError);
      expect((thrown as Error).cause).toBe(error);
    }
    question.reply.mockRejectedValueOnce(passing[0]!);
    expect(await target.post("x").catch((e: unknown) => e)).toBeInstanceOf(TransientPlatformError);
    channel.messages.delete.mockRejectedValueOnce(passing[2]!);
    expect(await target.delete({ id: "1" }).catch((e: unknown) => e)).toBeInstanceOf(TransientPlatformError);
    // A refusal stays what it is: trying it again would not help.
    const unknown = new DiscordAPIError({ message: "Unknown Message", code: 10008 }, 10008, 404, "PATCH", "/x", {});
    channel.messages.edit.mockRejectedValueOnce(unknown);
    expect(await target.edit({ id: "1" }, "x").catch((e: unknown) => e)).toBe(unknown);
  });
});

describe("rejectMessageWrites", () => {
  test.each([
    ["/channels/:id/messages", "POST", true],
    ["/channels/:id/messages/:id", "patch", true],
    ["/channels/:id/messages/:id", "DELETE", true],
    ["/channels/:id/messages", "GET", false],
    ["/channels/:id/typing", "POST", false],
    ["/channels/:id/messages/:id/threads", "GET", false],
  ])("%s %s → %s", (route, method, expected) => {
    expect(rejectMessageWrites({ route, method })).toBe(expected);
  });
});
