/**
 * The scheduler that spends a scope's window (src/reply/budget/scheduler.ts), on a virtual clock: the rule alone,
 * then through ScopeBudget — headroom spent when few answers stream, the reserve for finals and newcomers kept,
 * no reply starved, never more than the window, a 429 pausing everything.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ManualClock } from "../support/manual-clock.js";
import { peakInWindow } from "../support/peak-in-window.js";
import { ScopeBudget } from "../../src/reply/budget/budget.js";
import { prefersNative } from "../../src/reply/native-stream-reply.js";
import type { NativeStreaming } from "../../src/reply/target.js";
import {
  ARRIVALS_SHARE,
  LifeEstimate,
  DEFAULT_ANSWER_LIFE_MS,
  choose,
  limitFor,
  remainingMs,
  settlingClaim,
  streamSpacingMs,
  type CallClaim,
  type ClaimKind,
  type ScopeState,
} from "../../src/reply/budget/scheduler.js";

const SLACK: ScopeState = { calls: 50, perMs: 60_000, active: 10, lifeMs: 10_000 };
const stream = (unshown: number, shownAt: number): CallClaim => ({ kind: "stream", unshown: () => unshown, shownAt });

describe("the rule", () => {
  it("lets a final use every slot, first words all but one per running answer, streams less a share kept for newcomers", () => {
    expect(limitFor("final", SLACK)).toBe(50);
    expect(limitFor("first", SLACK)).toBe(40);
    expect(limitFor("stream", SLACK)).toBe(50 - 10 - Math.floor(50 * ARRIVALS_SHARE));
  });

  it("grants finals and first words before any streaming call, oldest first, each within its own limit", () => {
    const claims: Array<CallClaim | undefined> = [stream(900, 0), { kind: "first" }, { kind: "final" }, undefined];
    expect(choose(claims, 0, SLACK, 5_000, -Infinity)).toEqual({ grant: 1 });
    // The window holds 40: first words would eat a final's slot; the final (and an untyped one-off) still go.
    expect(choose(claims, 40, SLACK, 5_000, -Infinity)).toEqual({ grant: 2 });
    expect(choose(claims.slice(0, 2), 40, SLACK, 5_000, -Infinity)).toEqual({ retryAt: Infinity });
    expect(choose([undefined], 49, SLACK, 5_000, -Infinity)).toEqual({ grant: 0 });
    expect(choose([undefined], 50, SLACK, 5_000, -Infinity)).toEqual({ retryAt: Infinity });
  });

  it("picks the streaming call that shows the most unseen text for the longest", () => {
    const now = 10_000;
    // 400 characters waiting 1 s beat 40 waiting 3 s; 40 waiting 4 s beat 400 waiting 1 s (aging).
    expect(choose([stream(40, now - 3_000), stream(400, now - 1_000)], 0, SLACK, now, -Infinity)).toEqual({ grant: 1 });
    expect(choose([stream(40, now - 4_000), stream(400, now - 1_000)], 0, SLACK, now, -Infinity)).toEqual({ grant: 0 });
  });

  it("spaces streaming grants so the streaming share lasts the answers' expected life", () => {
    const spacing = streamSpacingMs(SLACK, 0);
    // 38 streaming calls over 10 s: one every ~264 ms, not one per reply every 15 s as a full-minute fair share.
    expect(limitFor("stream", SLACK)).toBe(38);
    expect(spacing).toBe(Math.ceil(10_000 / 38));
    expect(choose([stream(10, 0)], 0, SLACK, 1_000, 1_000 - spacing + 1)).toEqual({ retryAt: 1_000 + 1 });
    expect(choose([stream(10, 0)], 0, SLACK, 1_000, 1_000 - spacing)).toEqual({ grant: 0 });
    // With the streaming share spent, streams wait for the window (finals do not: see above).
    expect(choose([stream(10, 0)], 38, SLACK, 1_000, -Infinity)).toEqual({ retryAt: Infinity });
  });

  it("slows down as the window fills and once the answers outlive their expected life; never slower than a window allows", () => {
    const young = streamSpacingMs({ ...SLACK, meanAgeMs: 1_000 }, 20);
    const old = streamSpacingMs({ ...SLACK, meanAgeMs: 20_000 }, 20);
    // 18 of the 38 streaming calls left: over the 9 s left of a 10 s life, or, past it, over as long again.
    expect(young).toBe(500);
    expect(old).toBe(Math.ceil(20_000 / 18));
    expect(remainingMs({ ...SLACK, meanAgeMs: 600_000 })).toBe(60_000);
    // Calls leaving the window within the remaining time count as room.
    const freeing = streamSpacingMs({ ...SLACK, meanAgeMs: 20_000, freesWithin: () => 15 }, 20);
    expect(freeing).toBe(Math.ceil(20_000 / 33));
  });

  it("ranks a reply's settling call (buttons only) after every call that shows words, yet ages it so it goes", () => {
    const now = 10_000;
    // Finals and first words first; then a stream with 5 new characters served half a second ago beats a swap.
    expect(choose([settlingClaim(now), { kind: "first" }], 0, SLACK, now, -Infinity)).toEqual({ grant: 1 });
    expect(choose([settlingClaim(now - 100), stream(5, now - 500)], 0, SLACK, now, -Infinity)).toEqual({ grant: 1 });
    // A swap that waited ten seconds has aged past it.
    expect(choose([settlingClaim(now - 10_000), stream(5, now - 500)], 0, SLACK, now, -Infinity)).toEqual({ grant: 0 });
  });

  it("keeps no final for a reply whose settling call waits: swaps never hold each other's back", () => {
    // Ten answers, all done but for their buttons: none owes a final, so the streaming share is all but the
    // newcomers' (48 of 50), and with nothing streaming there is no spacing to keep.
    const swaps = Array.from({ length: 10 }, () => settlingClaim(0));
    expect(choose([stream(10, 0)], 38, SLACK, 1_000, -Infinity)).toEqual({ retryAt: Infinity });
    expect(choose(swaps, 47, SLACK, 1_000, 999)).toEqual({ grant: 0 });
    expect(choose(swaps, 48, SLACK, 1_000, 999)).toEqual({ retryAt: Infinity });
    // One of the ten still streams: its final stays kept.
    expect(choose(swaps.slice(1), 47, SLACK, 1_000, -Infinity)).toEqual({ retryAt: Infinity });
    // Discord's 5 per 5 s with ten answers keeps no streaming call at all; ten swaps waiting still go.
    const discord: ScopeState = { calls: 5, perMs: 5_000, active: 10, lifeMs: 10_000 };
    expect(limitFor("stream", discord)).toBe(0);
    expect(choose(swaps, 0, discord, 1_000, -Infinity)).toEqual({ grant: 0 });
  });

  it("learns the answers' life from those that ended", () => {
    const life = new LifeEstimate();
    expect(life.ms).toBe(DEFAULT_ANSWER_LIFE_MS);
    for (let i = 0; i < 20; i++) life.record(40_000);
    expect(life.ms).toBeGreaterThan(39_000);
    life.record(Number.NaN);
    life.record(-5);
    expect(life.ms).toBeGreaterThan(39_000);
  });
});

/** One reply that always has `unshown` characters waiting: takes stream grants until `until`, then its final. */
async function streamingReply(
  clock: ManualClock,
  budget: ScopeBudget,
  grants: Array<{ at: number; kind: ClaimKind; reply: number }>,
  reply: number,
  until: number,
  unshown = () => 100,
): Promise<void> {
  const leave = budget.join();
  let shownAt = clock.now();
  const first = await budget.take(undefined, { kind: "first" });
  grants.push({ at: clock.now(), kind: "first", reply });
  first();
  // The answer ends at `until`: a streaming call still waiting then gives way to the final, as in the streamer.
  const ended = new AbortController();
  const ending = clock.sleep(until - clock.now()).then(() => ended.abort());
  while (!ended.signal.aborted) {
    try {
      const done = await budget.take(ended.signal, { kind: "stream", unshown, shownAt });
      grants.push({ at: clock.now(), kind: "stream", reply });
      shownAt = clock.now();
      done();
    } catch {
      break;
    }
  }
  await ending;
  const done = await budget.take(undefined, { kind: "final" });
  grants.push({ at: clock.now(), kind: "final", reply });
  done();
  leave();
}

describe("ScopeBudget scheduling", () => {
  it("spends the window's headroom when few answers stream, keeping back one slot per final and a share for newcomers", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
    const grants: Array<{ at: number; kind: ClaimKind; reply: number }> = [];
    await clock.runUntilSettled(Promise.all(Array.from({ length: 10 }, (_, i) => streamingReply(clock, budget, grants, i, 10_000))));
    const within = grants.filter((g) => g.at < 60_000);
    // 10 first words + most of the streaming share + 10 finals, up to the 48 the reserve allows: not the ~20 of
    // a fair share paced as if every minute were full.
    expect(within.length).toBeGreaterThanOrEqual(40);
    expect(within.length).toBeLessThanOrEqual(48);
    // Every final went out at once, in the same window.
    for (const g of grants.filter((g) => g.kind === "final")) expect(g.at).toBeLessThan(10_500);
    // Newcomers still find their first words and finals: two slots stay free.
    expect(peakInWindow(grants.map((g) => g.at), 60_000)).toBeLessThanOrEqual(48);
  });

  it("keeps a newcomer's first words and final from waiting for the next window", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
    const grants: Array<{ at: number; kind: ClaimKind; reply: number }> = [];
    const early = Array.from({ length: 5 }, (_, i) => streamingReply(clock, budget, grants, i, 30_000));
    const late = (async () => {
      await clock.sleep(20_000);
      await streamingReply(clock, budget, grants, 99, 25_000);
    })();
    await clock.runUntilSettled(Promise.all([...early, late]));
    const newcomer = grants.filter((g) => g.reply === 99);
    expect(newcomer.find((g) => g.kind === "first")!.at).toBe(20_000);
    expect(newcomer.find((g) => g.kind === "final")!.at).toBe(25_000);
    for (const g of grants.filter((g) => g.kind === "final")) expect(g.at).toBeLessThan(30_001);
  });

  it("starves no reply: one showing little new text still gets streaming calls beside one showing much", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
    const grants: Array<{ at: number; kind: ClaimKind; reply: number }> = [];
    await clock.runUntilSettled(
      Promise.all([
        streamingReply(clock, budget, grants, 0, 10_000, () => 1_000),
        streamingReply(clock, budget, grants, 1, 10_000, () => 100),
      ]),
    );
    const streams = (reply: number) => grants.filter((g) => g.reply === reply && g.kind === "stream").map((g) => g.at);
    expect(streams(0).length).toBeGreaterThan(streams(1).length);
    // The quiet reply ages: it is served, and never waits more than a few seconds between its calls.
    expect(streams(1).length).toBeGreaterThanOrEqual(3);
    const gaps = [0, ...streams(1)].slice(1).map((at, i, all) => at - (i === 0 ? 0 : all[i - 1]!));
    expect(Math.max(...gaps)).toBeLessThan(5_000);
  });

  it("never grants more than `calls` in any window, whatever mix of kinds and joins", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 500, max: 10_000 }),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 20_000 }),
            kind: fc.constantFrom<ClaimKind>("final", "first", "stream"),
            n: fc.integer({ min: 1, max: 6 }),
            joins: fc.boolean(),
            lasts: fc.integer({ min: 0, max: 5_000 }),
          }),
          { maxLength: 25 },
        ),
        async (calls, perMs, demand) => {
          const clock = new ManualClock();
          const budget = new ScopeBudget({ calls, perMs }, clock);
          const grants: number[] = [];
          await clock.runUntilSettled(
            Promise.all(
              demand.map(async ({ at, kind, n, joins, lasts }) => {
                await clock.sleep(at);
                const leave = joins ? budget.join() : undefined;
                for (let i = 0; i < n; i++) {
                  // A stream that cannot go before its reply ends asks again as a final, as the streamer does.
                  const end = new AbortController();
                  const stop = new AbortController();
                  void clock.sleep(lasts, stop.signal).then(() => end.abort());
                  let done: () => void;
                  try {
                    done = await budget.take(kind === "final" ? undefined : end.signal, { kind, unshown: () => i, shownAt: at });
                  } catch {
                    done = await budget.take(undefined, { kind: "final" });
                  }
                  stop.abort();
                  grants.push(clock.now());
                  done();
                }
                leave?.();
              }),
            ),
          );
          expect(grants).toHaveLength(demand.reduce((s, d) => s + d.n, 0));
          expect(peakInWindow(grants, perMs)).toBeLessThanOrEqual(calls);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("holds every grant, finals included, until a 429's Retry-After has passed", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
    const leave = budget.join();
    (await budget.take(undefined, { kind: "first" }))();
    budget.pause(7_000);
    const at: Record<string, number> = {};
    const final = budget.take(undefined, { kind: "final" }).then((done) => {
      at.final = clock.now();
      done();
    });
    const streaming = budget.take(undefined, { kind: "stream", unshown: () => 50, shownAt: 0 }).then((done) => {
      at.stream = clock.now();
      done();
    });
    await clock.runUntilSettled(Promise.all([final, streaming]));
    leave();
    expect(at.final).toBe(7_000);
    expect(at.stream).toBeGreaterThanOrEqual(7_000);
  });

  it("grants the swaps of answers waiting only for them, where keeping each one's final would block them all", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 5, perMs: 5_000 }, clock);
    const grants: number[] = [];
    await clock.runUntilSettled(
      Promise.all(
        Array.from({ length: 10 }, async () => {
          const leave = budget.join();
          // As the streamer does: the reply leaves once its last call, the swap, is done.
          const done = await budget.take(undefined, settlingClaim(clock.now()));
          grants.push(clock.now());
          done();
          leave();
        }),
      ),
    );
    expect(grants).toHaveLength(10);
    expect(peakInWindow(grants, 5_000)).toBeLessThanOrEqual(5);
  });

  it("a reply leaving gives its reserved slot back to a waiting first call", async () => {
    const clock = new ManualClock();
    const budget = new ScopeBudget({ calls: 4, perMs: 60_000 }, clock);
    const leaves = [budget.join(), budget.join(), budget.join()];
    (await budget.take(undefined, { kind: "final" }))();
    // One call in the window, three replies owing three finals: first words have no slot until one of them ends.
    let grantedAt: number | undefined;
    const first = budget.take(undefined, { kind: "first" }).then((done) => {
      grantedAt = clock.now();
      done();
    });
    const ending = (async () => {
      await clock.sleep(4_000);
      leaves[0]!();
    })();
    await clock.runUntilSettled(Promise.all([first, ending]));
    expect(grantedAt).toBe(4_000);
    leaves[1]!();
    leaves[2]!();
  });
});

describe("choosing native streaming or edits by what each tier's window still allows", () => {
  function slack(clock: ManualClock) {
    const edits = new ScopeBudget({ calls: 50, perMs: 60_000 }, clock);
    const native: NativeStreaming = {
      startBudget: new ScopeBudget({ calls: 20, perMs: 60_000 }, clock),
      appendBudget: new ScopeBudget({ calls: 100, perMs: 60_000 }, clock),
      stopBudget: new ScopeBudget({ calls: 20, perMs: 60_000 }, clock),
      maxChunkChars: 12_000,
      lifetimeMs: 300_000,
      start: async () => {
        throw new Error("unused");
      },
    };
    return { edits, native };
  }

  it("streams natively while the append tier leaves each answer more, then mixes in edits", () => {
    const { edits, native } = slack(new ManualClock());
    const choices: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const nativeAnswer = prefersNative(edits, native);
      choices.push(nativeAnswer);
      (nativeAnswer ? native.appendBudget : edits).join!();
    }
    expect(choices[0]).toBe(true);
    // Both paths carry answers: the mix, not one path for all.
    expect(choices.filter(Boolean).length).toBeGreaterThan(3);
    expect(choices.filter((c) => !c).length).toBeGreaterThan(1);
  });

  it("edits once the minute's starts are spent, or its stops would not cover the streams running", async () => {
    const clock = new ManualClock();
    const { edits, native } = slack(clock);
    for (let i = 0; i < 20; i++) (await native.startBudget.take(undefined, { kind: "first" }))!();
    expect(prefersNative(edits, native)).toBe(false);
    await clock.advance(60_000);
    expect(prefersNative(edits, native)).toBe(true);
    for (let i = 0; i < 20; i++) native.appendBudget.join!();
    expect(prefersNative(edits, native)).toBe(false);
  });
});
