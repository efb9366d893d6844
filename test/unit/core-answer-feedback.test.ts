import pino from "pino";
import { afterEach, expect, test } from "vitest";
import { asStoredVote, asVote, ratingOf, recordVote } from "../../src/core/answer-feedback.js";
import { Metrics } from "../../src/ops/metrics.js";
import { MemoryStore } from "../../src/store/memory-store.js";

const store = new MemoryStore(pino({ level: "silent" }));
afterEach(async () => {
  await store.delete("vote:A:U1");
  await store.delete("vote:A:U2");
});

function count(text: string, platform: string, rating: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`threadpilot_feedback_total{platform="${platform}",rating="${rating}"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

test("one vote per person per answer: a repeat is kept once, a change replaces it and counts", async () => {
  const metrics = new Metrics();
  const vote = (user: string, v: "good" | "bad") => recordVote(store, metrics, { platform: "discord", key: `vote:A:${user}`, user, vote: v, ttlMs: 60_000 });
  expect(await vote("U1", "good")).toEqual({ before: undefined, counted: true });
  expect(await vote("U1", "good")).toEqual({ before: "good", counted: false });
  expect(await vote("U2", "bad")).toEqual({ before: undefined, counted: true });
  expect(await vote("U1", "bad")).toEqual({ before: "good", counted: true });
  expect(asStoredVote(await store.get("vote:A:U1"))).toMatchObject({ vote: "bad", user: "U1" });
  const text = await metrics.render();
  expect(count(text, "discord", "up")).toBe(1);
  expect(count(text, "discord", "down")).toBe(2);
});

test("only the two votes are votes; the label vocabulary is up/down on every platform", () => {
  expect(asVote("good")).toBe("good");
  expect(asVote("up")).toBeUndefined();
  expect(asStoredVote({ vote: "meh", user: "U1", at: 1 })).toBeUndefined();
  expect(ratingOf("good")).toBe("up");
  expect(ratingOf("bad")).toBe("down");
});
