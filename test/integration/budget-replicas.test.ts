/**
 * Two "replicas" (two store connections, two budget registries, as two bot processes would have) on one private
 * Redis stream replies into ONE platform scope. A fake platform counts every edit against the scope's real
 * window (scaled down for speed: 10 per 2 s instead of Slack's 50 per minute) and answers 429 over it.
 */
import { Writable } from "node:stream";
import { createClient } from "@keyv/redis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetRegistry } from "../../src/reply/budget/budget.js";
import { realClock } from "../../src/reply/clock.js";
import { MemoryTarget, PlatformRateLimit } from "../support/memory-target.js";
import { SharedScopeBudget, budgetRegistryFor } from "../../src/reply/budget/shared-budget.js";
import { streamReply, type ReplyOutcome } from "../../src/reply/stream-reply.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";
import { peakInWindow } from "../support/peak-in-window.js";

const RATE = { calls: 10, perMs: 2_000 };
const REPLIES_PER_REPLICA = 10;
const SCOPE = "slack:T1:chat.update";

/** An answer as the runtime streams it: a few words every `gapMs`, then the full message. */
async function* answerEvents(text: string, gapMs: number): AsyncGenerator<RuntimeEvent> {
  const words = text.split(" ");
  for (let i = 0; i < words.length; i += 4) {
    await realClock.sleep(gapMs);
    yield { type: "delta", messageId: "m1", text: `${i === 0 ? "" : " "}${words.slice(i, i + 4).join(" ")}` };
  }
  yield { type: "message", messageId: "m1", content: text, hasToolRequests: false };
  yield { type: "done", aborted: false };
}

const answerText = (replica: number, n: number) =>
  Array.from({ length: 40 }, (_, w) => `r${replica}a${n}w${w}`).join(" ");

interface Run {
  outcomes: ReplyOutcome[];
  targets: MemoryTarget[];
  platform: PlatformRateLimit;
}

/** Ten replies on each registry at once, all into SCOPE, against one platform window. */
async function streamFromTwoReplicas(registries: BudgetRegistry[]): Promise<Run> {
  const platform = new PlatformRateLimit(RATE.calls, RATE.perMs, realClock);
  const targets: MemoryTarget[] = [];
  const replies: Promise<ReplyOutcome>[] = [];
  registries.forEach((registry, replica) => {
    for (let n = 0; n < REPLIES_PER_REPLICA; n++) {
      const target = new MemoryTarget({
        clock: realClock,
        budget: registry.forScope(SCOPE, RATE),
        maxMessageLength: 4_000,
        limit: platform,
        // As Slack: posts have their own limit; chat.update draws from the workspace's.
        postsCountAgainstLimit: false,
        postUsesBudget: false,
      });
      targets.push(target);
      replies.push(streamReply(answerEvents(answerText(replica, n), 200), target));
    }
  });
  return { outcomes: await Promise.all(replies), targets, platform };
}

const acceptedEdits = (targets: MemoryTarget[]) =>
  targets.flatMap((t) => t.calls.filter((c) => c.kind === "edit" && c.outcome === "ok").map((c) => c.at));
const rateLimitedEdits = (targets: MemoryTarget[]) =>
  targets.reduce((n, t) => n + t.calls.filter((c) => c.outcome === "rate_limited").length, 0);

describe.skipIf(skipRedisTests())("edit budgets shared by two replicas through Redis", () => {
  let redis: TestRedis;
  const stores: StateStore[] = [];
  const logLines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: "info" },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    }),
  );

  beforeAll(async () => {
    redis = await startTestRedis();
    stores.push(await openStore(redis.url, logger), await openStore(redis.url, logger));
  }, 30_000);
  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => undefined);
    await redis?.stop();
  });

  it("two processes' budgets on one Redis stay inside the scope's limit together: every answer completes, 0 429s", async () => {
    const registries = stores.map((store) => budgetRegistryFor(store, logger));
    expect(registries[0]!.forScope(SCOPE, RATE)).toBeInstanceOf(SharedScopeBudget);
    const { outcomes, targets, platform } = await streamFromTwoReplicas(registries);

    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.status).toBe("complete");
      expect(targets[i]!.visibleTexts()).toEqual([answerText(Math.floor(i / REPLIES_PER_REPLICA), i % REPLIES_PER_REPLICA)]);
    }
    const edits = acceptedEdits(targets);
    console.info(`shared budgets: ${edits.length} edits accepted, ${platform.rejected} refused (429), peak ${peakInWindow(edits, RATE.perMs)} per ${RATE.perMs} ms`);
    // More edits than one window holds, so the window really had to be shared...
    expect(edits.length).toBeGreaterThan(2 * RATE.calls);
    // ...and it was: never more than `calls` in any window, so the platform never refused one.
    expect(peakInWindow(edits, RATE.perMs)).toBeLessThanOrEqual(RATE.calls);
    expect(platform.rejected).toBe(0);
    expect(rateLimitedEdits(targets)).toBe(0);
    expect(outcomes.reduce((n, o) => n + o.rateLimited, 0)).toBe(0);
  }, 60_000);

  it("(the problem it fixes) the same demand through two per-process budgets draws 429s", async () => {
    const { outcomes, platform } = await streamFromTwoReplicas([new BudgetRegistry(), new BudgetRegistry()]);
    for (const outcome of outcomes) expect(outcome.status).toBe("complete");
    console.info(`per-process budgets: ${platform.rejected} edits refused (429)`);
    expect(platform.rejected).toBeGreaterThan(0);
  }, 60_000);

  it("a 429 seen by one replica pauses the scope for the other", async () => {
    const [a, b] = stores.map((store) => budgetRegistryFor(store, logger).forScope("discord:channel:429", { calls: 5, perMs: 5_000 }));
    a!.pause(800);
    // a's pauseRate and b's take go over different connections: let the pause land before b asks.
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      for (let i = 0; i < 100 && (await client.exists("threadpilot:rate-pause:discord:channel:429")) === 0; i++) {
        await realClock.sleep(10);
      }
      expect(await client.exists("threadpilot:rate-pause:discord:channel:429")).toBe(1);
      await b!.take();
      // b was granted only once Redis's clock had passed the pause: its key is gone by then.
      expect(await client.pTTL("threadpilot:rate-pause:discord:channel:429")).toBe(-2);
    } finally {
      await client.close();
    }
  });

  it("when Redis goes away, replies still get their edits (each replica's own window) and it is logged once", async () => {
    const registry = budgetRegistryFor(stores[0]!, logger);
    const budget = registry.forScope("slack:T9:chat.update", { calls: 3, perMs: 1_000 });
    await budget.take();
    await redis.stop();
    // Each call reports itself done, as the streamer does: the local window counts calls from their end.
    for (let i = 0; i < 5; i++) (await budget.take())?.();
    const warnings = logLines.filter((l) => l.level === 40 && /did not answer for the shared edit budget/.test(l.msg));
    expect(warnings).toHaveLength(1);
  }, 30_000);
});
