/**
 * The core's small parts of durable answers: the store retry of a message's intake, the target wrapper that
 * records every posted message, and the marking of an interrupted reply.
 */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { markInterruptedReply } from "../../src/core/interrupted-reply.js";
import { recordingPosts } from "../../src/core/recorded-posts.js";
import { StoreUnreachableError, retryStore } from "../../src/core/store-retry.js";
import { INTERRUPTED_NOTE } from "../../src/core/unfinished-work.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { realClock } from "../../src/reply/clock.js";
import { LEFTOVER_FILLER } from "../../src/reply/notices.js";
import { MemoryTarget } from "../support/memory-target.js";

const logger = pino({ level: "silent" });
const target = (canDelete: boolean) =>
  new MemoryTarget({ clock: realClock, budget: new ScopeBudget({ calls: 100, perMs: 1000 }), maxMessageLength: 2000, canDelete });

describe("retryStore", () => {
  it("retries a failing store step until it answers", async () => {
    let calls = 0;
    const retried: number[] = [];
    const result = await retryStore(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error("connection refused");
        return "claimed";
      },
      { deadline: Date.now() + 60_000, signal: new AbortController().signal, onRetry: (_e, attempt) => retried.push(attempt) },
    );
    expect(result).toBe("claimed");
    expect(retried).toEqual([0, 1]);
  });

  it("gives up with StoreUnreachableError once the deadline has passed", async () => {
    const failure = new Error("connection refused");
    const error = await retryStore(() => Promise.reject(failure), { deadline: Date.now() + 300, signal: new AbortController().signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as StoreUnreachableError).shuttingDown).toBe(false);
    expect((error as StoreUnreachableError).cause).toBe(failure);
  });

  it("stops waiting when shutdown aborts its signal", async () => {
    const controller = new AbortController();
    const pending = retryStore(() => Promise.reject(new Error("down")), { deadline: Date.now() + 60_000, signal: controller.signal });
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect((error as StoreUnreachableError).shuttingDown).toBe(true);
  });
});

describe("recordingPosts", () => {
  it("tells every posted message's id and leaves the rest of the target as it is", async () => {
    const inner = target(true);
    const recorded: string[] = [];
    const wrapped = recordingPosts(inner, async (id) => void recorded.push(id));
    const first = await wrapped.post("one");
    await wrapped.edit(first, "one, edited");
    const second = await wrapped.post("two");
    await wrapped.delete?.(second);
    expect(recorded).toEqual([first.id, second.id]);
    expect(inner.visibleTexts()).toEqual(["one, edited"]);
    expect(wrapped.maxMessageLength).toBe(2000);
    expect(wrapped.budget).toBe(inner.budget);
  });

  it("never fails a post because it could not be recorded", async () => {
    const inner = target(false);
    const wrapped = recordingPosts(inner, () => Promise.reject(new Error("store down")));
    await expect(wrapped.post("out")).resolves.toEqual({ id: "m1" });
  });
});

describe("markInterruptedReply", () => {
  it("turns the first message into the note and deletes the others", async () => {
    const t = target(true);
    const ids = [(await t.post("_Thinking…_")).id, (await t.post("half an")).id, (await t.post("answer")).id];
    await markInterruptedReply(t, ids, INTERRUPTED_NOTE, logger);
    expect(t.visibleTexts()).toEqual([INTERRUPTED_NOTE]);
  });

  it("shows a filler where the platform cannot delete, and skips a message that is gone", async () => {
    const t = target(false);
    const ids = [(await t.post("half")).id, "gone", (await t.post("more")).id];
    await markInterruptedReply(t, ids, INTERRUPTED_NOTE, logger);
    expect(t.visibleTexts()).toEqual([INTERRUPTED_NOTE, LEFTOVER_FILLER]);
  });
});
