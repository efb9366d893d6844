/**
 * The real Copilot runtime (BYOK) against the fake model when things go wrong: failures the runtime gives up
 * on, failures it must not retry, silent sessions, aborts during backoff, and a runtime process that dies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { startFakeModel, type FakeModel, type Script } from "../support/fake-model/server.js";
import { copilotRuntimePids, createTestRuntime, isAlive, type TestRuntime } from "../support/test-runtime.js";

let fake: FakeModel;
let shared: TestRuntime;
let randomCalls = 0;

const GOOD: Script = { text: "The good answer." };

async function collect(events: AsyncIterable<RuntimeEvent>, onEvent?: (e: RuntimeEvent) => void): Promise<RuntimeEvent[]> {
  const out: RuntimeEvent[] = [];
  for await (const event of events) {
    out.push(event);
    onEvent?.(event);
  }
  return out;
}

/** Text of the answer after the last retry, as a consumer that honours `retry` and `message_discarded` sees it. */
function finalText(events: RuntimeEvent[]): string {
  const byMessage = new Map<string, string>();
  for (const e of events) {
    if (e.type === "retry") byMessage.clear();
    if (e.type === "message_discarded") byMessage.delete(e.messageId);
    if (e.type === "delta") byMessage.set(e.messageId, (byMessage.get(e.messageId) ?? "") + e.text);
  }
  return [...byMessage.values()].join("");
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Runtime processes that existed before a test's own runtime started (the shared one). */
let knownPids = new Set<number>();

/** Starts a runtime of its own and returns it with the pid of its runtime process. */
async function startWithPid(overrides: Parameters<typeof createTestRuntime>[1] = {}) {
  const before = new Set(copilotRuntimePids());
  knownPids = before;
  const test = createTestRuntime(fake, overrides);
  await test.runtime.start();
  const pid = copilotRuntimePids().find((p) => !before.has(p));
  if (pid === undefined) throw new Error("could not find the Copilot runtime process");
  return { test, pid };
}

beforeAll(async () => {
  fake = await startFakeModel();
  // The runtime's own retries of a 429 or a dropped stream go quiet for ~5 s: the shared runtime's inactivity
  // timeout must not fire during them on a loaded machine. The silent-session test has its own, short one.
  shared = createTestRuntime(fake, {
    inactivityTimeoutMs: 30_000,
    livenessCheckMs: 300,
    random: () => {
      randomCalls++;
      return 0.5;
    },
  });
  await shared.runtime.start();
});

afterAll(async () => {
  await shared?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  fake.setFallback(GOOD);
  randomCalls = 0;
});

describe("CopilotRuntime retries", () => {
  it("retries a dropped stream the runtime gave up on: a retry event, then the good answer", async () => {
    // Drop every model call (the runtime itself retries 5 times) until the consumer has seen our retry.
    let failing = true;
    fake.setFallback(() => (failing ? { text: "partial answer that breaks", fail: { kind: "drop", afterChars: 8 } } : GOOD));

    const events = await collect(shared.runtime.stream({ prompt: "hi" }), (e) => {
      if (e.type === "retry") failing = false;
    });

    const retries = events.filter((e) => e.type === "retry");
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, failure: { kind: "other" } });
    expect(retries[0]!.type === "retry" && retries[0]!.failure.message).toMatch(/failed to get response/i);
    // The delay is computed once (one random draw) and lies within [base/2, base] for the first retry.
    expect(randomCalls).toBe(1);
    expect(retries[0]!.type === "retry" && retries[0]!.delayMs).toBe(4); // round(5 * (0.5 + 0.5 * 0.5))
    // The partial text streamed before the retry is void; what follows is the good answer.
    const retryIndex = events.indexOf(retries[0]!);
    expect(events.slice(0, retryIndex).some((e) => e.type === "delta")).toBe(true);
    expect(finalText(events)).toBe(GOOD.text);
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
  });

  it("passes a 400 to the consumer once as error, after exactly one model request", async () => {
    fake.setFallback({ fail: { kind: "status", status: 400, message: "unsupported parameter" } });

    const events = await collect(shared.runtime.stream({ prompt: "hi" }));

    expect(events).toEqual([
      { type: "error", failure: expect.objectContaining({ kind: "other", statusCode: 400, errorType: "query" }) },
    ]);
    expect(fake.requests).toHaveLength(1);
  });

  it("fails a session that goes silent with a timeout, and retries it", async () => {
    fake.script({ text: "stuck here forever", fail: { kind: "stall", afterChars: 5 } });
    const impatient = createTestRuntime(fake, { inactivityTimeoutMs: 1_500, livenessCheckMs: 300 });

    const events = await collect(impatient.runtime.stream({ prompt: "hi" })).finally(() => impatient.close());

    const retry = events.find((e) => e.type === "retry");
    expect(retry).toMatchObject({ failure: { kind: "timeout" } });
    expect(finalText(events)).toBe(GOOD.text);
    expect(events.at(-1)).toEqual({ type: "done", aborted: false });
    // The stalled model stream was closed, not left hanging.
    expect(await fake.requests[0]!.settled).toBe("client_closed");
  });

  it("does not retry a rate limit the runtime already retried", async () => {
    fake.setFallback({ fail: { kind: "status", status: 429, message: "slow down", retryAfterSeconds: 0 } });

    const events = await collect(shared.runtime.stream({ prompt: "hi" }));

    expect(events).toEqual([{ type: "error", failure: expect.objectContaining({ kind: "rate_limit", statusCode: 429 }) }]);
    // One session only: the runtime's own attempts, not three times as many.
    expect(fake.requests.length).toBeLessThanOrEqual(6);
  });

  it("ends with done aborted when aborted during the backoff wait", async () => {
    const slow = createTestRuntime(fake, {
      inactivityTimeoutMs: 1_500,
      livenessCheckMs: 300,
      retry: { attempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    try {
      fake.setFallback({ fail: { kind: "stall" } });
      const controller = new AbortController();
      const events = await collect(slow.runtime.stream({ prompt: "hi", signal: controller.signal }), (e) => {
        if (e.type === "retry") controller.abort();
      });
      expect(events.map((e) => e.type)).toEqual(["retry", "done"]);
      expect(events.at(-1)).toEqual({ type: "done", aborted: true });
      // No second attempt after the abort. (On a loaded machine the first attempt can time out before its
      // request even reaches the model, so this is "at most one", not "exactly one".)
      expect(fake.requests.length).toBeLessThanOrEqual(1);
    } finally {
      await slow.close();
    }
  }, 20_000);
});

describe("CopilotRuntime when its runtime process dies", () => {
  it("answers the next request after the runtime process was killed", async () => {
    const { test, pid } = await startWithPid();
    try {
      expect((await collect(test.runtime.stream({ prompt: "before" }))).at(-1)).toEqual({ type: "done", aborted: false });

      process.kill(pid, "SIGKILL");
      await waitUntil(() => !isAlive(pid), "the runtime process to exit");

      const events = await collect(test.runtime.stream({ prompt: "after" }));
      expect(events.at(-1)).toEqual({ type: "done", aborted: false });
      expect(finalText(events)).toBe(GOOD.text);
      // A new runtime process took over, without the user seeing a retry.
      expect(events.some((e) => e.type === "retry")).toBe(false);
      expect(copilotRuntimePids().filter((p) => p !== pid).length).toBeGreaterThan(0);
    } finally {
      await test.close();
    }
  });

  it("notices a runtime killed mid-answer and retries on a new one", async () => {
    const { test, pid } = await startWithPid({ livenessCheckMs: 300, inactivityTimeoutMs: 10_000 });
    try {
      fake.setFallback({ text: Array.from({ length: 40 }, (_, i) => `w${i}`).join(" "), paceMs: 50 });
      let killed = false;
      const events = await collect(test.runtime.stream({ prompt: "long" }), (e) => {
        if (e.type === "delta" && !killed) {
          killed = true;
          process.kill(pid, "SIGKILL");
        }
      });

      const retry = events.find((e) => e.type === "retry");
      expect(retry).toMatchObject({ failure: { kind: "other" } });
      expect(retry?.type === "retry" && retry.failure.message).toMatch(/connection was lost/);
      expect(events.at(-1)).toEqual({ type: "done", aborted: false });
      expect(finalText(events)).toBe(Array.from({ length: 40 }, (_, i) => `w${i}`).join(" "));
    } finally {
      await test.close();
    }
  });
});

describe("CopilotRuntime.stop", () => {
  it("ends a running answer, starts no runtime until start() again, then works again", async () => {
    const { test, pid } = await startWithPid();
    try {
      fake.setFallback({ text: Array.from({ length: 200 }, (_, i) => `w${i}`).join(" "), paceMs: 30 });
      let stopping: Promise<void> | undefined;
      const events = await collect(test.runtime.stream({ prompt: "long" }), (e) => {
        if (e.type === "delta") stopping ??= test.runtime.stop();
      });
      await stopping;
      expect(events.at(-1)).toEqual({ type: "error", failure: { kind: "other", message: "The Copilot runtime was stopped." } });
      await waitUntil(() => !isAlive(pid), "the runtime process to exit");

      fake.setFallback(GOOD);
      expect(await collect(test.runtime.stream({ prompt: "after stop" }))).toEqual([
        { type: "error", failure: { kind: "other", message: "The Copilot runtime was stopped." } },
      ]);
      expect(copilotRuntimePids().filter((p) => p !== pid && !knownPids.has(p))).toEqual([]);

      await test.runtime.start();
      expect(finalText(await collect(test.runtime.stream({ prompt: "after start" })))).toBe(GOOD.text);
    } finally {
      await test.close();
    }
  });
});

