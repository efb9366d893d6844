/**
 * Answers as durable work, with the real bot process and real stores: a bot killed with SIGKILL mid-answer and
 * started again on the same SQLite file finishes the question, once, and marks the reply it left half-written;
 * a replica on a shared Redis finishes the question of one killed mid-answer; a clean restart (SIGTERM, the
 * default grace period, Docker's SIGKILL 10 s later) leaves the running answer marked and its queued follow-up is
 * answered by the next start; a message sent while redis-server is down is answered once it is back.
 * Nothing here asserts how long anything took: the waits are generous bounds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { STORE_UNREACHABLE_SENTENCE } from "../../src/core/store-retry.js";
import { BotProcess, botEnvironment, waitUntil } from "../support/bot-process.js";
import { startBotCluster, type BotCluster } from "../support/bot-cluster.js";
import { lastUserText, startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

const ANSWER = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa";
/** Short, so a dead process's thread is free soon; long enough that a loaded machine keeps refreshing a live lock. */
const LOCK_TTL_MS = 3_000;
const INTERRUPTED = /Interrupted: the bot restarted\. Answering again below\./;
const ANSWERING = "Answering a Slack message";

describe("answers as durable work", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function fakes(): Promise<{ slack: FakeSlack; model: FakeModel }> {
    const [slack, model] = await Promise.all([startFakeSlack(), startFakeModel()]);
    cleanups.push(() => slack.close(), () => model.close());
    slack.addChannel({ id: "C1", name: "general" });
    slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
    return { slack, model };
  }

  /** A working directory that outlives one bot process: its ./data holds the SQLite store. */
  function workingDirectory(): string {
    const dir = mkdtempSync(join(tmpdir(), "threadpilot-durable-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async function startBot(
    name: string,
    slack: FakeSlack,
    model: FakeModel,
    storeUrl: string,
    cwd?: string,
    extra: Record<string, string> = {},
  ): Promise<BotProcess> {
    const bot = await BotProcess.start({
      name,
      ...(cwd ? { cwd } : {}),
      env: botEnvironment({
        slackApiUrl: slack.apiUrl,
        botToken: slack.botToken,
        appToken: slack.appToken,
        modelUrl: model.url,
        storeUrl,
        // Watched through the chat.update placeholder and edits, like the other process-level replica tests: a
        // natively streamed answer cut short is not covered here (see the README's note on native streams).
        extra: { THREAD_LOCK_TTL_MS: String(LOCK_TTL_MS), SLACK_NATIVE_STREAMING: "false", ...extra },
      }),
    });
    cleanups.push(() => bot.kill());
    return bot;
  }

  /** The bot's messages in the thread as users see them now (deleted ones gone). */
  function replies(slack: FakeSlack, threadTs: string): string[] {
    return slack.botReplies("C1", threadTs).filter((m) => !m.deleted).map((m) => m.text.trim());
  }

  /** Waits for the reply to show some words but not all of them: the answer is mid-stream. */
  async function midStream(slack: FakeSlack, threadTs: string): Promise<void> {
    await slack.waitFor(
      () => slack.botReplies("C1", threadTs).some((m) => m.text.startsWith("alpha") && m.text.trim() !== ANSWER),
      45_000,
      "the answer to be mid-stream",
    );
  }

  /** Long enough for several resume sweeps (one per lock TTL): a second answer would have started by then. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, LOCK_TTL_MS * 3));

  it("a bot killed mid-answer and started again on the same SQLite store answers the question completely, once", async () => {
    const { slack, model } = await fakes();
    const cwd = workingDirectory();
    const store = "sqlite://./data/state.sqlite";
    // The first answer is paced so it is certainly mid-stream when the process dies; the second comes at once.
    model.script({ text: ANSWER, paceMs: 400 });
    model.setFallback({ text: ANSWER });
    const first = await startBot("durable-a", slack, model, store, cwd);
    await slack.waitForSocket(1);

    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> the phonetic alphabet please` });
    await midStream(slack, message.ts);
    await first.kill(); // SIGKILL, runtime included: no shutdown code runs
    expect(first.exitedWith).toEqual({ code: null, signal: "SIGKILL" });

    const second = await startBot("durable-b", slack, model, store, cwd);
    await slack.waitFor(() => replies(slack, message.ts).includes(ANSWER), 60_000, "the answer after the restart");
    await settle();
    // The half-written reply now says what happened; the question is answered once, below it.
    expect(replies(slack, message.ts)).toEqual([expect.stringMatching(INTERRUPTED), ANSWER]);
    expect(slack.botReplies("C1", message.ts).some((m) => m.text.includes("Thinking"))).toBe(false);
    expect(model.requests).toHaveLength(2);
    expect(lastUserText(model.requests[1]!.body)).toContain("the phonetic alphabet please");
    expect(second.linesWith("Marked an interrupted reply")).toHaveLength(1);
  }, 180_000);

  it("after a clean restart (SIGTERM, default grace, SIGKILL 10 s later) the interrupted answer is marked and the queued follow-up is answered", async () => {
    const { slack, model } = await fakes();
    const cwd = workingDirectory();
    const store = "sqlite://./data/state.sqlite";
    // The first answer never ends by itself: shutdown's grace period runs out on it.
    model.script({ text: "alpha bravo charlie delta", fail: { kind: "stall", afterChars: 12 } });
    model.setFallback((request) => ({ text: `Reply to: ${/one more thing/.test(lastUserText(request.body)) ? "one more thing" : "?"}` }));
    const first = await startBot("restart-a", slack, model, store, cwd);
    await slack.waitForSocket(1);

    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> a never-ending answer` });
    await midStream(slack, message.ts);
    slack.userSays({ channel: "C1", user: "U1", text: "and one more thing", threadTs: message.ts });
    await first.waitForLog((l) => typeof l.msg === "string" && l.msg.includes("queued behind"), 30_000, "the follow-up to be queued");

    // What Docker does on `docker stop`: SIGTERM, then SIGKILL after 10 s.
    first.signal("SIGTERM");
    await first.waitForExit(10_000).catch(() => first.signal("SIGKILL"));
    await first.exited;
    expect(replies(slack, message.ts)).toEqual([expect.stringMatching(/Interrupted: the bot is restarting/)]);
    expect(model.requests).toHaveLength(1);

    await startBot("restart-b", slack, model, store, cwd);
    await slack.waitFor(() => replies(slack, message.ts).includes("Reply to: one more thing"), 60_000, "the follow-up's answer");
    await settle();
    expect(replies(slack, message.ts)).toEqual([expect.stringMatching(INTERRUPTED), "Reply to: one more thing"]);
    expect(model.requests).toHaveLength(2);
    // The next start answered the question and the follow-up together.
    expect(lastUserText(model.requests[1]!.body)).toContain("a never-ending answer");
  }, 180_000);

  describe.skipIf(skipRedisTests())("on Redis", () => {
    it("a replica finishes the question of one killed mid-answer", async () => {
      const cluster: BotCluster = await startBotCluster({
        replicas: 2,
        env: { THREAD_LOCK_TTL_MS: String(LOCK_TTL_MS), SLACK_NATIVE_STREAMING: "false" },
      });
      cleanups.push(() => cluster.close());
      const { slack, model, bots } = cluster;
      slack.addChannel({ id: "C1", name: "general" });
      slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
      model.script({ text: ANSWER, paceMs: 400 });
      model.setFallback({ text: ANSWER });

      const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> the phonetic alphabet please` });
      await midStream(slack, message.ts);
      const answering = () => bots.find((b) => b.logs.some((l) => l.msg === ANSWERING && l.ts === message.ts));
      await waitUntil(() => answering() !== undefined, 10_000, "the answering replica");
      const victim = answering()!;
      const survivor = bots.find((b) => b !== victim)!;
      await victim.kill();

      // Within the lock TTL plus the answer's time (the bound is generous; nothing measures it).
      await slack.waitFor(() => replies(slack, message.ts).includes(ANSWER), 60_000, "the survivor to finish the question");
      await settle();
      expect(replies(slack, message.ts)).toEqual([expect.stringMatching(INTERRUPTED), ANSWER]);
      expect(model.requests).toHaveLength(2);
      expect(survivor.linesWith("Marked an interrupted reply")).toHaveLength(1);
    }, 180_000);

    it("a message sent while redis-server is down is answered once it is back", async () => {
      let redis: TestRedis = await startTestRedis();
      cleanups.push(() => redis.stop());
      const { slack, model } = await fakes();
      model.setFallback({ text: "Hello after the outage." });
      const bot = await startBot("outage", slack, model, redis.url);
      await slack.waitForSocket(1);

      await redis.stop();
      const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> are you there?` });
      await bot.waitForLog((l) => l.msg === "The state store is unreachable; retrying the message until it answers", 30_000, "the retries");
      redis = await startTestRedis(redis.port);

      await slack.waitFor(() => replies(slack, message.ts).includes("Hello after the outage."), 60_000, "the answer after the outage");
      expect(replies(slack, message.ts)).toEqual(["Hello after the outage."]);
      expect(slack.botReplies("C1", message.ts).some((m) => m.text.includes(STORE_UNREACHABLE_SENTENCE.slice(0, 20)))).toBe(false);
      expect(model.requests).toHaveLength(1);
    }, 180_000);
  });
});
