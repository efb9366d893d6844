/** The shared edit budget: the sliding window holds under any load, waiters are served fairly, 429s pause it. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import slackify from "slackify-markdown";
import { ManualClock } from "../support/manual-clock.js";
import { BudgetRegistry, ScopeBudget } from "../../src/reply/budget/budget.js";
import { MemoryTarget, PlatformRateLimit } from "../support/memory-target.js";
import { streamReply } from "../../src/reply/stream-reply.js";
import { tablesToText } from "../../src/reply/markdown/tables.js";
import { answer, cutsFor } from "./reply-arbitraries.js";
import { answerSteps, joinReply, play } from "./reply-support.js";
import { peakInWindow } from "../support/peak-in-window.js";

describe("ScopeBudget", () => {
  it("never grants more than `calls` in any window, whatever the demand", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 5 })), { maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 3 }),
        async (calls, perMs, demand, pauses) => {
          const clock = new ManualClock();
          const budget = new ScopeBudget({ calls, perMs }, clock);
          const grants: number[] = [];
          const pauseEnds: Array<[number, number]> = [];
          const work: Promise<void>[] = [];
          for (const [at, n] of demand) {
            work.push(
              (async () => {
                await clock.sleep(at);
                for (let i = 0; i < n; i++) {
                  await budget.take();
                  grants.push(clock.now());
                }
              })(),
            );
          }
          for (const [at, ms] of pauses) {
            work.push(
              (async () => {
                await clock.sleep(at);
                budget.pause(ms);
                pauseEnds.push([clock.now(), clock.now() + ms]);
              })(),
            );
          }
          await clock.runUntilSettled(Promise.all(work));
          expect(grants).toHaveLength(demand.reduce((s, [, n]) => s + n, 0));
          expect(peakInWindow(grants, perMs)).toBeLessThanOrEqual(calls);
          for (const [from, to] of pauseEnds) for (const g of grants) expect(g > from && g < to).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("counts a call from when it finished, so slow calls never arrive more than `calls` in a platform window", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 100, max: 3000 }),
        // Each call: when it is wanted, how long it takes, and where in that time the platform sees it arrive.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 2_000 }), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 30,
        }),
        async (calls, perMs, demand) => {
          const clock = new ManualClock();
          const budget = new ScopeBudget({ calls, perMs }, clock);
          const arrivals: number[] = [];
          const work = demand.map(async ([at, latency, arrivesAt]) => {
            await clock.sleep(at);
            const done = await budget.take();
            const arrival = Math.round(latency * arrivesAt);
            await clock.sleep(arrival);
            arrivals.push(clock.now());
            await clock.sleep(latency - arrival);
            done();
          });
          await clock.runUntilSettled(Promise.all(work));
          expect(arrivals).toHaveLength(demand.length);
          expect(peakInWindow(arrivals, perMs)).toBeLessThanOrEqual(calls);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a grant counted from its grant time would let a slow call land early: the old rule breaks, ours holds", async () => {
    // Two calls per second. The first two take 400 ms to reach the platform; one second after they were granted,
    // a third is wanted. Counting from grants it would go out at t=1000 and arrive 600 ms after the others.
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 2, perMs: 1000 }, clock);
    const arrivals: number[] = [];
    const slowCall = async () => {
      const done = await budget.take();
      await clock.sleep(400);
      arrivals.push(clock.now());
      done();
    };
    const third = (async () => {
      await clock.sleep(1000);
      const done = await budget.take();
      arrivals.push(clock.now());
      done();
    })();
    await clock.runUntilSettled(Promise.all([slowCall(), slowCall(), third]));
    expect(arrivals).toEqual([400, 400, 1400]);
  });

  it("serves waiters first come, first served (each reply waits once, so replies take turns)", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 1, perMs: 1000 }, clock);
    const order: string[] = [];
    const reply = async (name: string) => {
      for (let i = 0; i < 3; i++) {
        await budget.take();
        order.push(name);
      }
    };
    await clock.runUntilSettled(Promise.all([reply("a"), reply("b"), reply("c")]));
    expect(order).toEqual(["a", "b", "c", "a", "b", "c", "a", "b", "c"]);
  });

  it("a take can be abandoned with a signal, and the queue moves on", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 1, perMs: 1000 }, clock);
    (await budget.take())();
    const controller = new AbortController();
    const abandoned = budget.take(controller.signal);
    const next = budget.take();
    controller.abort(new Error("reply gone"));
    await expect(abandoned).rejects.toThrow("reply gone");
    await clock.advance(1000);
    await expect(next).resolves.toBeTypeOf("function");
  });

  it("rejects a nonsensical rate with a clear message", () => {
    expect(() => new ScopeBudget({ calls: 0, perMs: 1000 })).toThrow(/at least 1/);
    expect(() => new ScopeBudget({ calls: 5, perMs: -1 })).toThrow(/positive/);
  });

  it("the registry hands every reply of a scope the same budget", () => {
    const registry = new BudgetRegistry(new ManualClock());
    const a = registry.forScope("slack:T1:chat.update", { calls: 50, perMs: 60_000 });
    expect(registry.forScope("slack:T1:chat.update", { calls: 50, perMs: 60_000 })).toBe(a);
    expect(registry.forScope("slack:T2:chat.update", { calls: 50, perMs: 60_000 })).not.toBe(a);
  });

  it("never gives a scope a second window while a reply still holds its idle budget", () => {
    // A reply target takes its budget before its reply joins it (the thread is read in between): the budget
    // looks idle then, and the registry sweeps idle budgets every 256 lookups.
    const registry = new BudgetRegistry(new ManualClock());
    const rate = { calls: 50, perMs: 60_000 };
    const held = registry.forScope("slack:T1:chat.update", rate);
    for (let i = 0; i < 600; i++) registry.forScope(`slack:T${i + 2}:chat.update`, rate);
    expect(registry.forScope("slack:T1:chat.update", rate)).toBe(held);
  });
});

describe("replies sharing one Slack workspace budget", () => {
  it("ten concurrent answers stay inside the limit together, all complete, and share fairly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer(2, 8).chain((t) => fc.tuple(fc.constant(t), cutsFor(t), fc.integer({ min: 0, max: 5000 }))), {
          minLength: 10,
          maxLength: 10,
        }),
        async (replies) => {
          const clock = new ManualClock();
          const rate = { calls: 50, perMs: 60_000 };
          const budget = new ScopeBudget(rate, clock);
          const server = new PlatformRateLimit(rate.calls, rate.perMs, clock);
          const render = (md: string) => slackify(tablesToText(md));
          const targets = replies.map(
            () =>
              new MemoryTarget({ clock, budget, maxMessageLength: 4000, render, latencyMs: 150, limit: server, postsCountAgainstLimit: false, postUsesBudget: false }),
          );
          const outcomes = await clock.runUntilSettled(
            Promise.all(
              replies.map(([text, cuts, startAt], i) =>
                streamReply(play(clock, [{ type: "wait", ms: startAt }, ...answerSteps(text, cuts, 40)]), targets[i]!, { clock }),
              ),
            ),
          );
          expect(server.rejected).toBe(0);
          const edits = targets.flatMap((t) => t.calls.filter((c) => c.kind === "edit").map((c) => c.at));
          expect(peakInWindow(edits, rate.perMs)).toBeLessThanOrEqual(rate.calls);
          outcomes.forEach((o, i) => {
            expect(o.status).toBe("complete");
            expect(joinReply(targets[i]!.visibleTexts())).toBe(render(replies[i]![0].trim()));
            expect(o.firstVisibleMs).toBeDefined();
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it("a reply that joins a busy scope still shows its first words and its final promptly", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
    const long = Array.from({ length: 1500 }, (_, i) => `w${i}`).join(" ");
    const cuts = Array.from({ length: 1500 }, (_, i) => i * 4);
    const targets = Array.from({ length: 10 }, () => new MemoryTarget({ clock, budget, maxMessageLength: 4000, latencyMs: 150, postUsesBudget: false }));
    const outcomes = await clock.runUntilSettled(
      Promise.all(
        targets.map((t, i) =>
          streamReply(play(clock, [{ type: "wait", ms: i * 2000 }, ...answerSteps(long, cuts, 20)]), t, { clock }),
        ),
      ),
    );
    for (const o of outcomes) expect(o.firstVisibleMs!).toBeLessThan(3000);
    // The early replies spend the window's headroom (scheduler.ts), but a slot stays kept for every reply's final:
    // each answer is complete on screen within a second of its last word, none waits for the next window.
    targets.forEach((t, i) => {
      const lastWordAt = i * 2000 + 1500 * 20;
      const lastEdit = t.calls.filter((c) => c.kind === "edit").at(-1)!;
      expect(lastEdit.at - lastWordAt).toBeLessThan(1000);
    });
  });
});
