/** A channel's budget inside the bot's: both grant every call, and pacing follows the one that binds. */
import { expect, test } from "vitest";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { NestedBudget } from "../../src/reply/budget/nested-budget.js";

test("a call needs a grant from both; a full outer budget holds every channel", async () => {
  const outer = new ScopeBudget({ calls: 2, perMs: 60_000 });
  const a = new NestedBudget(new ScopeBudget({ calls: 5, perMs: 60_000 }), outer);
  const b = new NestedBudget(new ScopeBudget({ calls: 5, perMs: 60_000 }), outer);
  (await a.take())();
  (await b.take())();
  const controller = new AbortController();
  const third = a.take(controller.signal);
  let granted = false;
  void third.then(() => (granted = true), () => undefined);
  await new Promise((r) => setTimeout(r, 30));
  expect(granted).toBe(false);
  controller.abort();
  await expect(third).rejects.toThrow();
});

test("waiting on its own channel a reply holds no slot of the outer budget", async () => {
  const outer = new ScopeBudget({ calls: 1, perMs: 60_000 });
  const narrow = new NestedBudget(new ScopeBudget({ calls: 1, perMs: 60_000 }), outer);
  const other = new NestedBudget(new ScopeBudget({ calls: 5, perMs: 60_000 }), outer);
  const narrowInner = narrow.inner;
  (await narrowInner.take())?.(); // the narrow channel is full
  const controller = new AbortController();
  const waiting = narrow.take(controller.signal);
  waiting.catch(() => undefined);
  const done = await other.take(); // the outer slot is still free for another channel
  done();
  controller.abort();
});

test("pacing follows the budget that leaves each reply the longer interval", () => {
  const outer = new ScopeBudget({ calls: 40, perMs: 1_000 });
  const channel = new ScopeBudget({ calls: 5, perMs: 5_000 });
  const nested = new NestedBudget(channel, outer);
  const leave = nested.join();
  expect([nested.calls, nested.perMs]).toEqual([5, 5_000]); // one reply: its channel's 1 per second binds
  const others = Array.from({ length: 100 }, () => outer.join());
  expect([nested.calls, nested.perMs, nested.active]).toEqual([40, 1_000, 101]); // 101 replies share 40 per second
  for (const l of others) l();
  leave();
  expect(outer.active).toBe(0);
  expect(channel.active).toBe(0);
});
