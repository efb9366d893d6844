/**
 * The streamers' "text changed" signal (src/reply/change-signal.ts): a `next` read before a change resolves at it,
 * one read after it waits for the following change, and every waiter on the same change wakes.
 */
import { expect, it } from "vitest";
import { ChangeSignal } from "../../src/reply/change-signal.js";

const settled = async (promise: Promise<void>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

it("wakes every reader of `next` at the next change, and only then", async () => {
  const signal = new ChangeSignal();
  const first = signal.next;
  const second = signal.next;
  expect(await settled(first)).toBe(false);
  signal.notify();
  expect(await settled(first)).toBe(true);
  expect(await settled(second)).toBe(true);
});

it("a reader after a change waits for the one after it (a change made while looking is never missed)", async () => {
  const signal = new ChangeSignal();
  const before = signal.next;
  signal.notify();
  const after = signal.next;
  expect(after).not.toBe(before);
  expect(await settled(after)).toBe(false);
  signal.notify();
  expect(await settled(after)).toBe(true);
});
