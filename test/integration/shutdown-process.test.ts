/**
 * SIGTERM to the real bot process during an answer: within the grace period the answer completes; past it the
 * answer ends with the note that the bot is restarting (and is resumed by the next start: durable-answers.test.ts). Either way the process exits 0 and no Copilot runtime process is left. The
 * bot takes no new events once shutting down, and a second signal forces exit 1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BotProcess, botEnvironment } from "../support/bot-process.js";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

const ANSWER = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa";

describe.skipIf(skipRedisTests())("SIGTERM during an answer", () => {
  let redis: TestRedis;
  let slack: FakeSlack | undefined;
  let model: FakeModel | undefined;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    await bot?.kill();
    bot?.cleanup();
    await Promise.all([slack?.close(), model?.close()]);
    bot = slack = model = undefined;
  });
  afterAll(async () => redis?.stop());

  let database = 0;

  /**
   * Fresh fakes, one bot and its own Redis database per test: an event left queued, or an answer left unfinished
   * (which the next start resumes), by one test must not reach the next one's bot.
   */
  async function startBot(graceMs: number): Promise<{ bot: BotProcess; slack: FakeSlack; model: FakeModel }> {
    [slack, model] = await Promise.all([startFakeSlack(), startFakeModel()]);
    slack.addChannel({ id: "C1", name: "general" });
    slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
    bot = await BotProcess.start({
      name: "shutdown-bot",
      env: botEnvironment({
        slackApiUrl: slack.apiUrl,
        botToken: slack.botToken,
        appToken: slack.appToken,
        modelUrl: model.url,
        storeUrl: `${redis.url}/${++database}`,
        // Watched through the chat.update placeholder and edits: native streaming (tested elsewhere) stays off.
        extra: { SHUTDOWN_GRACE_MS: String(graceMs), SLACK_NATIVE_STREAMING: "false" },
      }),
    });
    await slack.waitForSocket(1);
    return { bot, slack, model };
  }

  /** Mentions the bot and resolves once the reply shows the answer's first word (the answer is running). */
  async function mentionAndWaitForWords(slack: FakeSlack, text: string): Promise<string> {
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> ${text}` });
    await slack.waitFor(() => slack.botReplies("C1", message.ts).some((m) => m.text.includes("alpha")), 30_000, "the answer's first words");
    return message.ts;
  }

  /** Polls `check` every 50 ms for up to 5 s (an orphan would stay; a dying pipe reader goes in milliseconds). */
  async function waitUntil(check: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(check()).toBe(true);
  }

  function runtimeProcesses(bot: BotProcess) {
    return bot.processTree().filter((p) => p.cmdline.includes("--headless"));
  }

  it("lets the running answer finish, takes no new event, exits 0 and leaves no runtime process", async () => {
    const { bot, slack, model } = await startBot(30_000);
    // The answer waits at the model until the shutdown has begun: it is certainly running when the signal lands,
    // however fast or slow the machine.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    model.script(async () => {
      await released;
      return { text: ANSWER, paceMs: 20 };
    });
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> tell me the alphabet` });
    const threadTs = message.ts;
    await model.waitForRequests(1);
    expect(runtimeProcesses(bot).length).toBeGreaterThan(0);
    // The orphan check sees the runtime while it runs (so an empty list later means it is gone).
    expect(bot.leftovers().some((p) => p.cmdline.includes("--headless"))).toBe(true);

    bot.signal("SIGTERM");
    await bot.waitForLog((l) => l.msg === "Shutting down", 30_000, "the shutdown to begin");
    // Once the bot has dropped its Socket Mode connection, a new mention has nowhere to go.
    await slack.waitFor(() => slack.socketConnections === 0, 30_000, "the bot to disconnect");
    const late = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> are you still there?` });
    release();

    const status = await bot.waitForExit(45_000);
    expect(status, bot.tail()).toEqual({ code: 0, signal: null });
    const replies = slack.botReplies("C1", threadTs);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe(ANSWER);
    expect(await model.requests[0]!.settled).toBe("completed");
    expect(model.requests).toHaveLength(1);
    expect(slack.botReplies("C1", late.message.ts)).toHaveLength(0);
    expect(bot.leftovers()).toEqual([]);
    // The shutdown went through its stages in order.
    const order = ["Shutting down", "answer finished", "Stopped"].map((msg) => bot.logs.findIndex((l) => l.msg === msg));
    expect(order.every((i) => i >= 0), JSON.stringify(order)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("past the grace period ends the answer with the restarting note, exits 0 and leaves no runtime process", async () => {
    const { bot, slack, model } = await startBot(500);
    // The model sends its first words, then nothing until the client gives up.
    model.script({ text: ANSWER, fail: { kind: "stall", afterChars: 12 } });
    const threadTs = await mentionAndWaitForWords(slack, "this will take forever");
    expect(runtimeProcesses(bot).length).toBeGreaterThan(0);

    bot.signal("SIGTERM");
    const status = await bot.waitForExit(45_000);
    expect(status, bot.tail()).toEqual({ code: 0, signal: null });
    const replies = slack.botReplies("C1", threadTs);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/^alpha bravo/);
    expect(replies[0]!.text).toMatch(/Interrupted: the bot is restarting/);
    console.info(`reply after the grace period: ${JSON.stringify(replies[0]!.text)}`);
    expect(replies[0]!.text).not.toContain("papa");
    expect(await model.requests[0]!.settled).toBe("client_closed");
    expect(bot.leftovers()).toEqual([]);
  });

  it("exits 1 at once on a second signal during shutdown", async () => {
    const { bot, slack, model } = await startBot(60_000);
    model.script({ text: ANSWER, fail: { kind: "stall", afterChars: 12 } });
    await mentionAndWaitForWords(slack, "stall please");
    expect(runtimeProcesses(bot).length).toBeGreaterThan(0);

    bot.signal("SIGTERM");
    await bot.waitForLog((l) => l.msg === "Shutting down", 30_000, "the shutdown to begin");
    bot.signal("SIGINT");
    const status = await bot.waitForExit(30_000);
    expect(status, bot.tail()).toEqual({ code: 1, signal: null });
    expect(bot.linesWith("Forced exit")).toHaveLength(1);
    // Even a forced exit leaves no runtime: it ends with its stdio pipe.
    await waitUntil(() => bot.leftovers().length === 0);
  });
});
