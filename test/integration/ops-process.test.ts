/**
 * The real bot process serves /healthz, /readyz and /metrics: health is 200 with every check ok (Slack, runtime,
 * store), readiness is 200 over the platform and the store, threadpilot_answers_total moves when an answer is
 * given, and a dependency that goes away (Redis, then Slack) turns both to 503 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotProcess, botEnvironment, counterValue, getOps, waitUntil } from "../support/bot-process.js";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

describe.skipIf(skipRedisTests())("health and metrics of the running bot", () => {
  let slack: FakeSlack;
  let model: FakeModel;
  let redis: TestRedis;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    [slack, model, redis] = await Promise.all([startFakeSlack(), startFakeModel(), startTestRedis()]);
    slack.addChannel({ id: "C1", name: "general" });
    slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
    bot = await BotProcess.start({
      name: "ops-bot",
      env: botEnvironment({
        slackApiUrl: slack.apiUrl,
        botToken: slack.botToken,
        appToken: slack.appToken,
        modelUrl: model.url,
        storeUrl: redis.url,
      }),
    });
    await slack.waitForSocket(1);
  });

  afterAll(async () => {
    await bot?.kill();
    bot?.cleanup();
    await Promise.all([slack?.close(), model?.close(), redis?.stop()]);
  });

  it("answers /healthz with 200 and every check ok", async () => {
    const { status, body } = await getOps(bot!.healthPort, "/healthz");
    const report = JSON.parse(body) as { status: string; checks: Record<string, { status: string }> };
    expect(report.status, body).toBe("ok");
    expect(status).toBe(200);
    expect(Object.keys(report.checks).sort()).toEqual(["runtime", "slack", "store"]);
    for (const [name, check] of Object.entries(report.checks)) expect(check.status, name).toBe("ok");
  });

  it("answers /readyz with 200 over the platform and the store (the runtime is liveness only)", async () => {
    const { status, body } = await getOps(bot!.healthPort, "/readyz");
    const report = JSON.parse(body) as Report;
    expect(report.status, body).toBe("ok");
    expect(status).toBe(200);
    expect(Object.keys(report.checks).sort()).toEqual(["slack", "store"]);
  });

  it("counts an answer in threadpilot_answers_total", async () => {
    const before = counterValue((await getOps(bot!.healthPort, "/metrics")).body, "threadpilot_answers_total", {
      platform: "slack",
      status: "ok",
    });
    model.script({ text: "Metrics are moving." });
    const posted = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> count me` });
    await slack.waitFor(
      () => slack.botReplies("C1", posted.message.ts).some((m) => m.text.includes("Metrics are moving.")),
      30_000,
      "the answer",
    );
    // The counter moves when the answer is finished, just after its final edit: poll /metrics for it.
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      const metrics = await getOps(bot!.healthPort, "/metrics");
      expect(metrics.status).toBe(200);
      after = counterValue(metrics.body, "threadpilot_answers_total", { platform: "slack", status: "ok" });
      if (after === before) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(before + 1);
    expect(model.requests).toHaveLength(1);
  });

  it("answers /healthz with 503 naming the store once Redis is gone", async () => {
    await redis.stop();
    const { status, body } = await getOps(bot!.healthPort, "/healthz");
    const report = JSON.parse(body) as { status: string; checks: Record<string, { status: string }> };
    expect(status).toBe(503);
    expect(report.status).toBe("fail");
    expect(report.checks.store?.status).toBe("fail");
    expect(report.checks.slack?.status).toBe("ok");
    expect(report.checks.runtime?.status).toBe("ok");

    const ready = await getOps(bot!.healthPort, "/readyz");
    const readiness = JSON.parse(ready.body) as Report;
    expect(ready.status).toBe(503);
    expect(readiness.checks).toMatchObject({ store: { status: "fail" }, slack: { status: "ok" } });
  });

  it("answers /readyz with 503 naming Slack once its connection is gone", async () => {
    // Slack goes away for good: the socket closes and every reconnect is refused.
    await slack.close();
    let last = { status: 0, body: "" };
    await waitUntil(
      async () => {
        last = await getOps(bot!.healthPort, "/readyz");
        return (JSON.parse(last.body) as Report).checks.slack?.status === "fail";
      },
      20_000,
      "/readyz to name Slack",
      () => last.body,
    );
    const report = JSON.parse(last.body) as Report;
    expect(last.status).toBe(503);
    expect(report.status).toBe("fail");
    expect(report.checks.slack).toMatchObject({ status: "fail", detail: "not connected to Slack" });
    // Still alive (it keeps trying to reconnect), so liveness names the same failure rather than vanishing.
    expect((await getOps(bot!.healthPort, "/healthz")).status).toBe(503);

    // More failed reconnect calls than a start-up gets (4): the process must outlive them, not end on one.
    const failedCall = (line: { msg?: string }) => line.msg === "http request failed fetch failed";
    const before = bot!.logs.filter(failedCall).length;
    const survived = () => bot!.logs.filter(failedCall).length >= before + 5;
    await waitUntil(
      () => survived() || bot!.exitedWith !== undefined,
      40_000,
      "five failed reconnect calls",
      () => bot!.tail(),
    );
    expect(bot!.exitedWith, bot!.tail()).toBeUndefined();
    expect((await getOps(bot!.healthPort, "/readyz")).status).toBe(503);
  });
});

type Report = { status: string; checks: Record<string, { status: string; detail?: string }> };
