/**
 * Two real bot processes on one real Redis, and Redis failing under a running answer. Restarted (it comes back
 * empty, its lock keys gone): the answer streams on through the outage, on each replica's own edit budget, and
 * completes without a "taken over" note; /readyz says unready while the store is down and ready once it is back,
 * with no restart of the bot. And when another replica really holds the thread, "taken over" is still said.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getOps, waitUntil, type BotProcess } from "../support/bot-process.js";
import { startBotCluster, type BotCluster } from "../support/bot-cluster.js";
import { skipRedisTests } from "../support/redis.js";

/** Short, so renewals come every second; long enough that a loaded machine keeps a live lock. */
const LOCK_TTL_MS = 3_000;
const ANSWERING = "Answering a Slack message";
const TAKEN_OVER = "another instance of the bot took over this thread";

describe.skipIf(skipRedisTests())("the store failing under a running answer", () => {
  let cluster: BotCluster;

  beforeAll(async () => {
    // Watched through chat.update edits (the native stream path is covered in slack-native-stream.test.ts).
    cluster = await startBotCluster({ replicas: 2, env: { THREAD_LOCK_TTL_MS: String(LOCK_TTL_MS), SLACK_NATIVE_STREAMING: "false" } });
    // The test's own client sees the restart too; its reconnect errors are expected.
    cluster.redisClient.on("error", () => undefined);
    cluster.slack.addChannel({ id: "C1", name: "general" });
    cluster.slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
  }, 120_000);
  afterAll(async () => cluster?.close());

  it("redis-server restarted while an answer streams: the answer completes, no 'taken over', /readyz follows the store", async () => {
    const { slack, model, bots, redis } = cluster;
    // About 20 s of streaming: the outage, the reconnect and a lock renewal after it fall inside it.
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`);
    const answer = words.join(" ");
    model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 100 });
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> a long answer please` });
    await slack.waitFor(() => slack.botReplies("C1", message.ts)[0]?.text.startsWith("word0"), 30_000, "the answer to start");
    const bot = await answeringBot(bots, message.ts);
    const logsBefore = bot.logs.length;
    expect((await getOps(bot.healthPort, "/readyz")).status).toBe(200);

    const downAt = Date.now();
    const restarting = redis.restart(4_000);
    let unready: { status: number; body: string } | undefined;
    await waitUntil(async () => {
      const ready = await getOps(bot.healthPort, "/readyz");
      if (ready.status !== 200) unready = ready;
      return unready !== undefined;
    }, 10_000, "/readyz to say the store is down");
    expect(unready!.status).toBe(503);
    expect(JSON.parse(unready!.body)).toMatchObject({ status: "fail", checks: { store: { status: "fail" } } });
    await restarting;
    const upAt = Date.now();
    await waitUntil(async () => (await getOps(bot.healthPort, "/readyz")).status === 200, 30_000, "/readyz to be ready again");

    const [reply] = await slack.waitFor(() => {
      const mine = slack.botReplies("C1", message.ts);
      return mine[0]?.text === answer ? mine : undefined;
    }, 60_000, "the complete answer");
    expect(slack.botReplies("C1", message.ts)).toHaveLength(1);
    expect(reply!.edits.some((text) => text.includes(TAKEN_OVER))).toBe(false);
    // The reply was edited while Redis was down: its budget fell back to the replica's own window.
    const editsDuringOutage = slack.callsTo("chat.update").filter((c) => c.ok && c.at > downAt + 500 && c.at < upAt);
    expect(editsDuringOutage.length).toBeGreaterThanOrEqual(1);
    const since = bot.logs.slice(logsBefore).map((l) => l.msg);
    expect(since).toContain("The state store did not answer for the shared edit budget; each replica keeps its own budget until it does");
    // The lock key vanished with the restart: the running answer took it back instead of giving up.
    expect(since).toContain("thread lock had vanished from the state store (a restart or failover); taken again");
    expect(since).not.toContain("another replica holds this thread's lock now; abandoning this answer");
    await waitUntil(() => bot.logs.some((l) => l.msg === "answer finished" && l.status === "complete"), 30_000, "the answer's end");
  }, 120_000);

  it("another replica really holding the thread's lock still ends the answer as taken over", async () => {
    const { slack, model, bots, redisClient } = cluster;
    const words = Array.from({ length: 300 }, (_, i) => `token${i}`);
    model.script({ text: words.join(" "), chunk: { size: 2, unit: "words" }, paceMs: 100 });
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> another long answer` });
    await slack.waitFor(() => slack.botReplies("C1", message.ts)[0]?.text.startsWith("token0"), 30_000, "the answer to start");
    const bot = await answeringBot(bots, message.ts);
    const [lockKey] = await redisClient.keys(`threadpilot:lock:*${message.ts}`);
    expect(lockKey).toBeTruthy();
    // What a replica that took the thread over leaves in the store: its own owner on the lock.
    await redisClient.set(lockKey!, "another-replica:run", { PX: 60_000 });

    const [reply] = await slack.waitFor(() => {
      const mine = slack.botReplies("C1", message.ts);
      return mine[0]?.text.includes(TAKEN_OVER) ? mine : undefined;
    }, 30_000, "the taken-over note");
    expect(reply!.text).toMatch(/^token0 token1/);
    expect(bot.logs.some((l) => l.msg === "another replica holds this thread's lock now; abandoning this answer")).toBe(true);
    // The lock stays the other replica's.
    expect(await redisClient.get(lockKey!)).toBe("another-replica:run");
  }, 60_000);
});

/** The replica that took the message (it logs the message's ts when it starts answering). */
async function answeringBot(bots: BotProcess[], ts: string): Promise<BotProcess> {
  const find = () => bots.find((b) => b.logs.some((l) => l.msg === ANSWERING && l.ts === ts));
  await waitUntil(() => find() !== undefined, 10_000, "the answering replica");
  return find()!;
}
