/**
 * The end-to-end benchmark: the real bot (real Bolt, real discord.js, real Copilot runtime, in a process of its
 * own) against the fake Slack and Discord (which enforce the platforms' rate and length limits) and the fake
 * model streaming at about 50 tokens/s, for 1, 10, 50 and 200 concurrent conversations, with the product's reply
 * streamer and with the strategies other bots use. Prints one table and writes it to bench/e2e/RESULTS.md.
 *
 *   npm run bench:e2e                      # everything (about 6 to 9 minutes on 2 cores)
 *   npm run bench:e2e -- --sizes=1,10      # a quicker look
 *   npm run bench:e2e -- --all             # the peers at 200 conversations too (about 15 minutes more)
 */
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { STRATEGY_NAMES } from "../strategies/index.js";
import { CHUNK_PACE_MS, MAX_CHARS, MIN_CHARS, WORDS_PER_CHUNK } from "./answers.js";
import { prepareScenario, type ScenarioResult, type ScenarioSpec } from "./scenario.js";
import { markdownTable, textTable } from "./table.js";

const SIZES = [1, 10, 50, 200];
/** Slack conversations per workspace at most: 200 conversations in one workspace would take 8 minutes a run. */
const MAX_PER_WORKSPACE = 50;
const TIMEOUT_MS = 300_000;
/** When the next wave's bots start, after a wave's mentions: by then its first words are out. */
const PREPARE_AFTER_MS = 12_000;
const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/**
 * Runs that start together (a wave). The next wave starts once the model has finished streaming in this one, so
 * a wave's busy part never overlaps another's, while the long waits for Slack's budget (cheap) do overlap.
 * Up to 50 conversations a wave is every strategy on one platform at once (the same load for each; one
 * conversation: both platforms); 200 conversations run alone, one run at a time.
 */
function plan(sizes: number[], strategies: string[], all: boolean): ScenarioSpec[][] {
  const waves: ScenarioSpec[][] = [];
  const spec = (platform: "slack" | "discord", strategy: string, conversations: number): ScenarioSpec => ({
    platform,
    strategy,
    conversations,
    workspaces: platform === "slack" ? Math.ceil(conversations / MAX_PER_WORKSPACE) : 1,
    timeoutMs: TIMEOUT_MS,
  });
  for (const size of sizes) {
    if (size === 1) {
      waves.push(strategies.flatMap((s) => [spec("slack", s, size), spec("discord", s, size)]));
    } else if (size <= 50) {
      waves.push(strategies.map((s) => spec("slack", s, size)));
      waves.push(strategies.map((s) => spec("discord", s, size)));
    } else {
      // On 2 cores a 200-conversation run is CPU-bound (the Copilot runtime): one at a time, and by default only
      // ours. Per workspace (Slack) or channel (Discord) a peer behaves at 200 as it does at 50.
      const here = all ? strategies : strategies.filter((s) => s === "ours");
      for (const s of here) waves.push([spec("slack", s, size)]);
      for (const s of here) waves.push([spec("discord", s, size)]);
    }
  }
  return waves;
}

function describe(spec: ScenarioSpec): string {
  const where = spec.platform === "slack" && spec.workspaces > 1 ? `slack×${spec.workspaces}ws` : spec.platform;
  return `${where}/${spec.conversations}/${spec.strategy}`;
}

const NOTES = `How to read it
- Each conversation is a mention of the bot in a channel of its own; all of a run's mentions are posted at once.
  Slack runs put every conversation in one workspace (its chat.update budget, 50 a minute, is shared by all of
  them); at 200 they are spread over ${200 / MAX_PER_WORKSPACE} workspaces of ${MAX_PER_WORKSPACE} (one bot, one Bolt app per workspace), since 200 in
  one workspace need 400+ updates, 8+ minutes of budget per run. Discord's budget is per channel.
- The model streams ${WORDS_PER_CHUNK} word per chunk every ${CHUNK_PACE_MS} ms (about 50 tokens/s); answers are realistic Markdown of
  ${MIN_CHARS} to ${MAX_CHARS.toLocaleString("en")} characters (log-uniform spread, median about 2,000; one conversation: 2,000).
- Times are from the mention. Placeholder: the bot's first message (flush-2s posts no placeholder: its first
  message). First words: the first write showing any of the answer. Complete: the whole answer on screen.
  Word lag: from the fake model sending a word to the platform applying the write that showed it, over every
  word. All of it is measured on the fakes' side, not reported by the bot.
- 429s: calls the fake platforms refused as rate-limited. Edits / posts: writes the platforms accepted.
  Final = model: answers whose final messages show exactly the model's words, in order.
- CPU and peak memory are the bot process's and the Copilot runtime process's own (the fakes run in the
  benchmark's process), from "mentions posted" to "last answer finished"; peak is the sum of both processes'
  peak RSS, (+/conv.) its growth over the idle bot per conversation.
- Peers: timer-500ms / timer-1s edit the reply on a fixed timer, each reply on its own (no shared budget), and on
  a 429 wait out that reply's Retry-After as Slack's and Discord's clients do; flush-2s never edits, it posts
  what arrived every 2 s as new messages. They get the product's message splitting, so only pacing differs.
  Ratios: the peer's figure over ours at the same platform and size (×2.0 = twice as long).
- Runs of a wave start together (up to 50 conversations: every strategy of a platform at once, under the same
  machine load); the 200 runs go one at a time, by default only ours (--all adds the peers: per workspace or
  channel they behave as at 50, and on 2 cores they would take the run past 10 minutes). The next wave's bots
  start 12 s into a wave, once its first words are out. The bot's runtime answers one warm-up question first.

What limits the numbers
- On Slack the workspace's chat.update budget (about 50 a minute, shared by every conversation) sets the pace,
  not the bot: with N replies streaming, each can be edited about every 1.2 s × N. From 50 conversations up,
  the budget covers little more than each reply's first words and final edit, so the complete time is about a
  minute (the budget window), whatever the strategy; strategies that ignore the budget only add 429s and then
  wait out Retry-After: the first replies to get words spend the workspace's minute in a second, and every
  other reply draws a 429 and shows nothing more for up to a minute. Placeholders use chat.postMessage (per
  channel) and come at once. Ours counts each call in the window from when it finished, never earlier than
  the platform saw it, so it draws no 429 however late a burst arrives.
- flush-2s never uses chat.update, so with a channel per conversation only Slack's per-channel posting (about 1
  a second) holds it back: from 10 conversations up it completes sooner on Slack, at the price of about ten
  messages per answer, Markdown cut between them, and conversations sharing a channel sharing its posts.
- On Discord each channel allows 5 writes per 5 s, so each reply is edited about every 1.3 s.
- At 200 conversations on 2 cores the Copilot runtime process (one session per answer) is the busiest part;
  its CPU time, not the platform or the bot, then delays placeholders and first words. The fakes share the
  same 2 cores, and so does anything else running on the machine.`;

async function main(): Promise<void> {
  const sizes = (option("sizes")?.split(",").map(Number) ?? SIZES).filter((n) => Number.isInteger(n) && n > 0);
  const strategies = option("strategies")?.split(",") ?? [...STRATEGY_NAMES];
  const unknown = strategies.filter((s) => !(STRATEGY_NAMES as readonly string[]).includes(s));
  if (unknown.length > 0 || sizes.length === 0) {
    console.error(`Usage: npm run bench:e2e [-- --sizes=1,10,50,200] [--strategies=${STRATEGY_NAMES.join(",")}] [--all]`);
    process.exit(2);
  }
  const waves = plan(sizes, strategies, process.argv.includes("--all"));
  const began = Date.now();
  const elapsed = () => `${Math.round((Date.now() - began) / 1000)} s`;
  const running: Array<Promise<ScenarioResult>> = [];
  const prepare = (wave: ScenarioSpec[]) => Promise.all(wave.map((spec) => prepareScenario(spec)));
  let next = prepare(waves[0] ?? []);
  for (const [w, wave] of waves.entries()) {
    // Every bot of the wave is up before any mention, so bots starting up do not load the wave's first words.
    const prepared = await next;
    console.error(`[${elapsed()}] wave ${w + 1}/${waves.length}: ${wave.map(describe).join(", ")}`);
    const results = prepared.map((p) =>
      p.go().then((result) => {
        console.error(`[${elapsed()}]   ${describe(result.spec)} done in ${Math.round(result.wallMs / 1000)} s${result.problem ? ` (${result.problem})` : ""}`);
        return result;
      }),
    );
    running.push(...results);
    const streamsEnded = Promise.all(prepared.map((p) => p.streamsEnded));
    // The next wave's bots start while this wave streams, once its first words are out (or its streams end).
    const following = waves[w + 1];
    if (following) next = Promise.race([streamsEnded, sleep(PREPARE_AFTER_MS)]).then(() => prepare(following));
    await streamsEnded;
  }
  const results = await Promise.all(running);
  const order = (r: ScenarioResult) =>
    [r.spec.platform === "slack" ? 0 : 1, r.spec.conversations, strategies.indexOf(r.spec.strategy)] as const;
  results.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  const took = Math.round((Date.now() - began) / 1000);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}`;
  const problems = results.filter((r) => r.problem).map((r) => `- (!) ${describe(r.spec)}: ${r.problem}`);
  const limited = results
    .filter((r) => r.rateLimited > 0)
    .map((r) => `${describe(r.spec)} ${Object.entries(r.rateLimitedBy).map(([m, c]) => `${m} ${c}`).join(", ")}`);
  const footer = [
    ...(limited.length ? [`429s by method: ${limited.join("; ")}.`] : []),
    ...problems,
  ];

  console.log(`\nthreadpilot end to end: ${machine}; the whole benchmark took ${took} s.\n`);
  console.log(textTable(results));
  if (footer.length) console.log(`\n${footer.join("\n")}`);
  console.log(`\n${NOTES}\n`);

  const markdown = [
    "# End-to-end benchmark",
    "",
    `\`npm run bench:e2e\` on ${machine}; the whole benchmark took ${took} s (${new Date().toISOString().slice(0, 10)}).`,
    "",
    markdownTable(results),
    "",
    ...(footer.length ? [footer.join("\n"), ""] : []),
    NOTES.replace(/^(How to read it|What limits the numbers)$/gm, "## $1").replace(/\n {2}/g, " "),
    "",
  ].join("\n");
  writeFileSync(RESULTS, markdown);
  console.log(`Written to ${RESULTS}.`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
