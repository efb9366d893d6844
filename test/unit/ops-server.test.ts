import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthChecks } from "../../src/ops/health.js";
import { Metrics } from "../../src/ops/metrics.js";
import { startOpsServer, type OpsServer } from "../../src/ops/ops-server.js";
import { MemoryStore } from "../../src/store/memory-store.js";

const logger = pino({ level: "silent" });

describe("ops server", () => {
  const health = new HealthChecks(200);
  const metrics = new Metrics();
  const store = new MemoryStore(logger);
  let slackUp = true;
  let runtimeUp = true;
  let server: OpsServer;
  const url = (path: string): string => `http://127.0.0.1:${server.port}${path}`;

  beforeAll(async () => {
    health.register("slack", async () => slackUp, { readiness: true });
    health.register("runtime", async () => ({ ok: runtimeUp, detail: runtimeUp ? "pong" : "no pong" }));
    health.register("store", () => store.ping(), { readiness: true });
    server = await startOpsServer({ port: 0, host: "127.0.0.1", health, metrics, logger });
  });
  afterAll(async () => {
    await server?.close();
    await store.close();
  });

  it("reports 200 with every check when all pass", async () => {
    const response = await fetch(url("/healthz"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> };
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(["runtime", "slack", "store"]);
    expect(body.checks.runtime).toMatchObject({ status: "ok", detail: "pong" });
  });

  it("reports 503 naming the failing check, and counts a throwing or hanging check as failing", async () => {
    slackUp = false;
    health.register("discord", async () => {
      throw new Error("gateway closed");
    });
    health.register("slow", () => new Promise<boolean>(() => undefined));
    try {
      const response = await fetch(url("/healthz"));
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> };
      expect(body.status).toBe("fail");
      expect(body.checks.slack?.status).toBe("fail");
      expect(body.checks.discord).toMatchObject({ status: "fail", detail: "gateway closed" });
      expect(body.checks.slow).toMatchObject({ status: "fail", detail: "no answer within 200 ms" });
      expect(body.checks.store?.status).toBe("ok");
    } finally {
      slackUp = true;
      health.unregister("discord");
      health.unregister("slow");
    }
    expect((await fetch(url("/healthz"))).status).toBe(200);
  });

  it("reports readiness on /readyz from the readiness checks only", async () => {
    type Report = { status: string; checks: Record<string, { status: string; detail?: string }> };
    const ready = await fetch(url("/readyz"));
    expect(ready.status).toBe(200);
    expect(ready.headers.get("content-type")).toMatch(/application\/json/);
    expect(Object.keys(((await ready.json()) as Report).checks).sort()).toEqual(["slack", "store"]);

    runtimeUp = false;
    try {
      // The runtime is a liveness matter: a failing runtime makes /healthz fail, /readyz is unmoved.
      expect((await fetch(url("/healthz"))).status).toBe(503);
      expect((await fetch(url("/readyz"))).status).toBe(200);
    } finally {
      runtimeUp = true;
    }

    slackUp = false;
    try {
      const notReady = await fetch(url("/readyz"));
      expect(notReady.status).toBe(503);
      const body = (await notReady.json()) as Report;
      expect(body.status).toBe("fail");
      expect(body.checks.slack?.status).toBe("fail");
      expect(body.checks.store?.status).toBe("ok");
    } finally {
      slackUp = true;
    }

    // Registering a name again without the option takes it out of readiness.
    health.register("store", async () => false);
    try {
      expect((await fetch(url("/readyz"))).status).toBe(200);
    } finally {
      health.register("store", () => store.ping(), { readiness: true });
    }
  });

  it("serves Prometheus metrics that move as the bot works", async () => {
    const before = await (await fetch(url("/metrics"))).text();
    expect(before).toContain("# TYPE threadpilot_answers_total counter");
    expect(before).toContain("# TYPE threadpilot_time_to_first_words_seconds histogram");
    expect(before).toContain("# TYPE threadpilot_active_answers gauge");
    expect(before).not.toMatch(/^threadpilot_edits_total\{platform="discord"\}/m);

    const answer = metrics.answerStarted("discord");
    metrics.edit("discord");
    answer.firstVisibleWords();
    const response = await fetch(url("/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const during = await response.text();
    expect(during).toMatch(/^threadpilot_edits_total\{platform="discord"\} 1$/m);
    expect(during).toMatch(/^threadpilot_active_answers\{platform="discord"\} 1$/m);
    expect(during).toMatch(/^threadpilot_time_to_first_words_seconds_count\{platform="discord"\} 1$/m);
    answer.finished("ok");
    const after = await (await fetch(url("/metrics"))).text();
    expect(after).toMatch(/^threadpilot_active_answers\{platform="discord"\} 0$/m);
    expect(after).toMatch(/^threadpilot_answers_total\{platform="discord",status="ok"\} 1$/m);
  });

  it("answers 404 for other paths and 405 for other methods", async () => {
    expect((await fetch(url("/nope"))).status).toBe(404);
    expect((await fetch(url("/readyz"), { method: "POST" })).status).toBe(405);
    expect((await fetch(url("/healthz"), { method: "POST" })).status).toBe(405);
  });

  it("says clearly when its port is taken", async () => {
    await expect(startOpsServer({ port: server.port, host: "127.0.0.1", health, metrics, logger })).rejects.toThrow(
      `Port ${server.port} (HEALTH_PORT) is already in use by another program: stop that program or set HEALTH_PORT to a free port.`,
    );
  });
});
