/**
 * The reply streamer against a naive fixed-interval editor, on the same input: a ~6,000-character answer
 * streamed at about 50 tokens/s into a Discord-like and a Slack-like platform, then 10 such answers at once in
 * one Slack workspace. Time is virtual (a ManualClock), so the figures are exact and repeatable; CPU is real.
 *
 *   npm run bench
 */
import slackify from "slackify-markdown";
import type { RuntimeEvent } from "../src/runtime/events.js";
import type { Clock } from "../src/reply/clock.js";
import { ManualClock } from "../test/support/manual-clock.js";
import { ScopeBudget } from "../src/reply/budget/budget.js";
import { MemoryTarget, PlatformRateLimit } from "../test/support/memory-target.js";
import { streamReply } from "../src/reply/stream-reply.js";
import { tablesToText } from "../src/reply/markdown/tables.js";
import { naiveEditor } from "./naive-editor.js";
import { prng, realisticAnswer, tokenize } from "./fixtures.js";

interface Platform {
  name: string;
  limit: number;
  rate: { calls: number; perMs: number };
  postsInBudget: boolean;
  latencyMs: number;
  render: (md: string) => string;
}

const DISCORD: Platform = {
  name: "Discord-like (2,000 chars; 5 calls / 5 s per channel, posts included)",
  limit: 2000,
  rate: { calls: 5, perMs: 5000 },
  postsInBudget: true,
  latencyMs: 120,
  render: (md) => tablesToText(md),
};
const SLACK: Platform = {
  name: "Slack-like (4,000 chars; chat.update 50 / min per workspace)",
  limit: 4000,
  rate: { calls: 50, perMs: 60_000 },
  postsInBudget: false,
  latencyMs: 150,
  render: (md) => slackify(tablesToText(md)),
};

const TOKENS_PER_SECOND = 50;

async function* stream(clock: Clock, tokens: string[], startAt: number, seed: number): AsyncGenerator<RuntimeEvent> {
  const random = prng(seed);
  await clock.sleep(startAt);
  for (const token of tokens) {
    // About 50 tokens/s with some jitter, as a model streams.
    await clock.sleep((1000 / TOKENS_PER_SECOND) * (0.5 + random()));
    yield { type: "delta", text: token, messageId: "m" };
  }
  yield { type: "message", content: tokens.join(""), messageId: "m", hasToolRequests: false };
  yield { type: "done", aborted: false };
}

interface Figures {
  firstVisibleMs: number[];
  wordGapsMs: number[];
  calls: number;
  rateLimited: number;
  budgetMax: number;
  cpuMs: number;
  answers: number;
  complete: number;
  words: number;
  lostWords: number;
}

/** Word k arrives with the delta that completes it; it is visible once a call showing its end has completed. */
function wordGaps(text: string, arrivals: Array<[number, number]>, visible: Array<[number, number]>, f: Figures): number[] {
  const gaps: number[] = [];
  let a = 0;
  let v = 0;
  for (const match of text.matchAll(/\S+/g)) {
    const end = match.index + match[0].length;
    while (a < arrivals.length && arrivals[a]![1] < end) a++;
    while (v < visible.length && visible[v]![1] < end) v++;
    f.words++;
    if (a >= arrivals.length || v >= visible.length) {
      f.lostWords++; // never on screen
      continue;
    }
    gaps.push(Math.max(0, visible[v]![0] - arrivals[a]![0]));
  }
  return gaps;
}

async function run(platform: Platform, editor: "ours" | "naive", replies: number, chars = 6000): Promise<Figures> {
  const clock = new ManualClock();
  const budget = new ScopeBudget(platform.rate, clock);
  // The platform's own limit: Slack's is per workspace (shared), Discord's per channel (one reply per channel).
  const sharedServer = new PlatformRateLimit(platform.rate.calls, platform.rate.perMs, clock);
  const answers = Array.from({ length: replies }, (_, i) => realisticAnswer(chars, 11 + i));
  const figures: Figures = { firstVisibleMs: [], wordGapsMs: [], calls: 0, rateLimited: 0, budgetMax: 0, cpuMs: 0, answers: replies, complete: 0, words: 0, lostWords: 0 };
  const cpu = process.cpuUsage();
  let end = 0;
  const runs = answers.map(async (text, i) => {
    const tokens = tokenize(text, 101 + i);
    const startAt = i * 200;
    const arrivals: Array<[number, number]> = [];
    const visible: Array<[number, number]> = [];
    const target = new MemoryTarget({
      clock,
      budget,
      maxMessageLength: editor === "naive" ? Number.MAX_SAFE_INTEGER : platform.limit,
      render: platform.render,
      latencyMs: platform.latencyMs,
      limit: platform.postsInBudget ? new PlatformRateLimit(platform.rate.calls, platform.rate.perMs, clock) : sharedServer,
      postsCountAgainstLimit: platform.postsInBudget,
      postUsesBudget: platform.postsInBudget,
      canDelete: true,
    });
    // The naive editor cuts at the limit itself; give its target the real limit for that.
    if (editor === "naive") (target as { maxMessageLength: number }).maxMessageLength = platform.limit;
    let length = 0;
    const events = (async function* () {
      for await (const e of stream(clock, tokens, startAt, 7 + i)) {
        if (e.type === "delta") {
          length += e.text.length;
          arrivals.push([clock.now(), length]);
        }
        yield e;
      }
    })();
    if (editor === "ours") {
      const outcome = await streamReply(events, target, {
        clock,
        observer: { onCall: (c) => c.ok && visible.push([clock.now(), c.visibleChars]) },
      });
      if (outcome.firstVisibleMs !== undefined) figures.firstVisibleMs.push(outcome.firstVisibleMs);
      figures.calls += outcome.edits + outcome.posts + outcome.deletes;
      figures.rateLimited += outcome.rateLimited;
      if (outcome.status === "complete" && target.visibleTexts().join("").length > 0) figures.complete++;
    } else {
      const outcome = await naiveEditor(events, target, clock);
      visible.push(...outcome.visible);
      if (outcome.firstVisibleAt !== undefined) figures.firstVisibleMs.push(outcome.firstVisibleAt - outcome.firstDeltaAt!);
      figures.calls += outcome.edits + 1;
      figures.rateLimited += outcome.rateLimited;
      if (outcome.finalShown) figures.complete++;
    }
    // Words past the limit that a truncating editor never shows count as lost, not as shown.
    const shownUpTo = editor === "naive" ? Math.min(text.length, platform.limit) : text.length;
    figures.wordGapsMs.push(...wordGaps(text, arrivals, visible.map(([t, n]) => [t, Math.min(n, shownUpTo)]), figures));
    end = Math.max(end, clock.now());
  });
  await clock.runUntilSettled(Promise.all(runs));
  const used = process.cpuUsage(cpu);
  figures.cpuMs = (used.user + used.system) / 1000 / replies;
  // The most calls the budget allows over the whole run: per scope (Discord: one channel per reply).
  const scopes = platform.postsInBudget ? replies : 1;
  figures.budgetMax = scopes * platform.rate.calls * Math.ceil(end / platform.rate.perMs);
  return figures;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function row(label: string, f: Figures): string {
  const cells = [
    label.padEnd(7),
    `${Math.round(median(f.firstVisibleMs))} ms`.padStart(10),
    `${Math.round(median(f.wordGapsMs))} ms`.padStart(10),
    `${f.calls} / ${f.budgetMax}`.padStart(11),
    String(f.rateLimited).padStart(5),
    `${f.complete}/${f.answers}`.padStart(8),
    `${((100 * f.lostWords) / Math.max(1, f.words)).toFixed(0)} %`.padStart(10),
    `${f.cpuMs.toFixed(1)} ms`.padStart(9),
  ];
  return cells.join(" | ");
}

async function main(): Promise<void> {
  const sample = realisticAnswer(6000, 11);
  console.log(`Answer: ${sample.length} characters, ~${tokenize(sample, 101).length} tokens at ~${TOKENS_PER_SECOND} tokens/s.`);
  console.log("First visible = first delta to first words on screen (median); word gap = median time from a word");
  console.log("arriving to its being visible; calls = platform calls made / the most the budget allows over the run;");
  console.log("complete = replies whose full answer ended up on screen; words lost = words never on screen;");
  console.log("CPU = CPU time of this process per answer, the simulated platform included.\n");
  const header = ["editor ", "first vis.", "word gap", "calls/max".padStart(11), "429s ", "complete", "words lost", "CPU/ans."].join(" | ");
  const scenarios: Array<[string, Platform, number, number]> = [
    [DISCORD.name, DISCORD, 1, 6000],
    [SLACK.name, SLACK, 1, 6000],
    ["10 concurrent answers sharing one Slack workspace budget", SLACK, 10, 6000],
    // Answers of ~10 s, a sixth of Slack's window: the headroom the scheduler spends (src/reply/budget/scheduler.ts).
    ["10 concurrent 2,000-character answers (~10 s each) sharing one Slack workspace budget", SLACK, 10, 2000],
  ];
  for (const [title, platform, replies, chars] of scenarios) {
    // Warm up the JIT so the CPU figure is the steady state.
    await run(platform, "ours", 1, chars);
    const ours = await run(platform, "ours", replies, chars);
    const naive = await run(platform, "naive", replies, chars);
    console.log(`${title}`);
    console.log(header);
    console.log(row("ours", ours));
    console.log(row("naive", naive));
    console.log("");
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
