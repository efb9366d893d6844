/**
 * The end-to-end benchmark: the real bot (real Bolt, real discord.js, real Copilot runtime, in a process of its
 * own) against the fake Slack and Discord (which enforce the platforms' rate and length limits) and the fake
 * model streaming at about 50 tokens/s, for 1, 10, 50 and 200 concurrent conversations. On Slack: the product
 * (native streaming, its default), the product with native streaming off (edits only), and the Chat SDK's way
 * of streaming natively, side by side; on Discord, the product. Prints one table and writes it to
 * bench/e2e/RESULTS.md.
 *
 *   npm run bench:e2e                                   # everything (about 6 to 10 minutes on 2 cores)
 *   npm run bench:e2e -- --sizes=1,10,50                # Slack's three strategies (and Discord) at 1, 10, 50
 *   npm run bench:e2e -- --sizes=200 --platforms=discord --append    # one more run, added to RESULTS.md
 *   npm run bench:e2e -- --all                          # also the common editing bots (timer, flush) everywhere
 *   npm run bench:e2e -- --note="eight other jobs share the 2 cores"  # said beside the figures
 */
import { cpus, loadavg } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SLACK_ONLY, STRATEGY_NAMES } from "../strategies/index.js";
import { CHUNK_PACE_MS, MAX_CHARS, MIN_CHARS, WORDS_PER_CHUNK } from "./answers.js";
import { prepareScenario, type ScenarioResult, type ScenarioSpec } from "./scenario.js";
import { markdownTable, textTable } from "./table.js";

const SIZES = [1, 10, 50, 200];
const PLATFORMS = ["slack", "discord"] as const;
/** What runs without --all: the three issue 18 compares (the common editing bots only with --all). */
const DEFAULT_STRATEGIES = ["ours", "ours-edits", "chat-sdk"];
/** Slack conversations per workspace at most: 200 conversations in one workspace would take 8 minutes a run. */
const MAX_PER_WORKSPACE = 50;
/** The Chat SDK-like peer at 50 needs 50 stream starts and stops at 20 a minute each, plus its 429 pauses. */
const TIMEOUT_MS = 480_000;
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
function plan(sizes: number[], strategies: string[], platforms: readonly string[], all: boolean): ScenarioSpec[][] {
  const waves: ScenarioSpec[][] = [];
  const on = (platform: "slack" | "discord") =>
    platforms.includes(platform) ? strategies.filter((s) => platform === "slack" || !SLACK_ONLY.includes(s)) : [];
  const spec = (platform: "slack" | "discord", strategy: string, conversations: number): ScenarioSpec => ({
    platform,
    strategy,
    conversations,
    workspaces: platform === "slack" ? Math.ceil(conversations / MAX_PER_WORKSPACE) : 1,
    timeoutMs: TIMEOUT_MS,
  });
  for (const size of sizes) {
    if (size === 1) {
      waves.push([...on("slack").map((s) => spec("slack", s, size)), ...on("discord").map((s) => spec("discord", s, size))]);
    } else if (size <= 50) {
      waves.push(on("slack").map((s) => spec("slack", s, size)));
      waves.push(on("discord").map((s) => spec("discord", s, size)));
    } else {
      // On 2 cores a 200-conversation run is CPU-bound (the Copilot runtime): one at a time, and by default only
      // ours. Per workspace (Slack) or channel (Discord) a peer behaves at 200 as it does at 50.
      const only = (list: string[]) => (all ? list : list.filter((s) => s === "ours"));
      for (const s of only(on("slack"))) waves.push([spec("slack", s, size)]);
      for (const s of only(on("discord"))) waves.push([spec("discord", s, size)]);
    }
  }
  return waves.filter((wave) => wave.length > 0);
}

function describe(spec: ScenarioSpec): string {
  const where = spec.platform === "slack" && spec.workspaces > 1 ? `slack×${spec.workspaces}ws` : spec.platform;
  return `${where}/${spec.conversations}/${spec.strategy}`;
}

const NOTES = `How to read it
- Each conversation is a mention of the bot in a channel of its own; all of a run's mentions are posted at once.
  Slack runs put every conversation in one workspace (its per-method budgets are shared by all of them); at 200
  they are spread over ${200 / MAX_PER_WORKSPACE} workspaces of ${MAX_PER_WORKSPACE} (one bot, one Bolt app per workspace). Discord's
  budgets are per channel, plus the bot-wide global limit of 50 requests a second, on in the fake.
- The model streams ${WORDS_PER_CHUNK} word per chunk every ${CHUNK_PACE_MS} ms (about 50 tokens/s); answers are realistic Markdown of
  ${MIN_CHARS} to ${MAX_CHARS.toLocaleString("en")} characters (log-uniform spread, median about 2,000; one conversation: 2,000).
- Slack strategies: ours is the product as users run it (native streaming on, its default: chat.startStream /
  appendStream / stopStream where it prefers them to editing, the assistant status line on); ours-edits is the
  product with SLACK_NATIVE_STREAMING=false (post + chat.update only); chat-sdk streams natively the way
  Vercel's Chat SDK (@chat-adapter/slack) does, through @slack/web-api's own client.chatStream(): the REAL
  WebClient, one per workspace, appending whole lines once 256 characters are buffered, no pacing, and on a 429
  the whole client waits out Retry-After (bench/strategies/chat-sdk-stream.ts cites the source). With --all:
  timer-500ms / timer-1s edit on a fixed timer, each reply on its own, waiting out Retry-After after a 429;
  flush-2s posts what arrived every 2 s as new messages; they get the product's message splitting.
- Times are from the mention. Placeholder: the bot's first message (chat-sdk and flush-2s post none: their first
  message, with words). First words: the first write showing any of the answer. Complete: the whole answer on
  screen. Word lag: from the fake model sending a word to the platform applying the write that showed it, over
  every word. All of it is measured on the fakes' side, not reported by the bot; a native stream's appends add
  to what its message shows, and a chat.update may later replace a streamed message (the product's fallback).
- 429s: calls the fake platforms refused as rate-limited, by method (Slack; chat. and assistant.threads. left
  off) or as Discord's global and per-route ones. chat.update used of 50: the most chat.update calls the
  workspace accepted in any 60 s (Slack allows about 50). Posts: new messages (chat.postMessage, a stream
  started); edits: chat.update or Discord edits; appends: chat.appendStream, and a chat.stopStream that carried
  text. Final = model: answers whose final messages show exactly the model's words, in order.
- Ratio: on Slack each row beside the chat-sdk peer of the same size in the same run, the peer's p50 (or p95)
  over the row's (×6.0: the peer takes six times as long); on Discord, the row's over ours.
- CPU and peak memory are the bot process's and the Copilot runtime process's own (the fakes run in the
  benchmark's process), from "mentions posted" to "last answer finished"; peak is the sum of both processes'
  peak RSS, (+/conv.) its growth over the idle bot per conversation.
- Runs of a wave start together (up to 50 conversations: every strategy of a platform at once, under the same
  machine load, so ratios within a run compare like with like); 200-conversation runs go one at a time, by
  default only ours. The next wave's bots start 12 s into a wave, once its first words are out. The bot's
  runtime answers one warm-up question first.

What limits the numbers
- Slack's per-method tiers, per workspace: chat.update about 50 a minute (Tier 3), chat.appendStream 100+ (Tier
  4), chat.startStream and chat.stopStream 20+ (Tier 2; the fake takes each tier's floor), chat.postMessage about
  1 a second per channel. Editing, N replies share 50 calls a minute; streaming natively, one stream start and
  one stop per answer come out of 20 a minute each, so past about 20 answers a minute the starts and stops, not
  the appends, are the bound. A client that ignores them draws 429s, and one that pauses entirely on a 429
  (the WebClient's default) holds up every answer of the workspace for the Retry-After.
- flush-2s never uses chat.update, so with a channel per conversation only Slack's per-channel posting (about 1
  a second) holds it back, at the price of about ten messages per answer and Markdown cut between them.
- On Discord each channel allows 5 writes per 5 s, and the bot 50 requests a second over every route: with 200
  conversations the global limit, not the channels, is the bound (200 × 1 edit a second would be 4 × over it).
- At 200 conversations on 2 cores the Copilot runtime process (one session per answer) is the busiest part; its
  CPU time, not the platform or the bot, then delays placeholders and first words. The fakes share the same 2
  cores, and so does anything else running on the machine.`;

async function main(): Promise<void> {
  const all = process.argv.includes("--all");
  const sizes = (option("sizes")?.split(",").map(Number) ?? SIZES).filter((n) => Number.isInteger(n) && n > 0);
  const strategies = option("strategies")?.split(",") ?? (all ? [...STRATEGY_NAMES] : DEFAULT_STRATEGIES);
  const platforms = option("platforms")?.split(",") ?? [...PLATFORMS];
  const unknown = [
    ...strategies.filter((s) => !(STRATEGY_NAMES as readonly string[]).includes(s)),
    ...platforms.filter((p) => !(PLATFORMS as readonly string[]).includes(p)),
  ];
  const waves = plan(sizes, strategies, platforms, all);
  if (unknown.length > 0 || sizes.length === 0 || waves.length === 0) {
    console.error(
      `Usage: npm run bench:e2e [-- --sizes=1,10,50,200] [--strategies=${STRATEGY_NAMES.join(",")}] ` +
        `[--platforms=slack,discord] [--all] [--append] [--note="..."]${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`,
    );
    process.exit(2);
  }
  const began = Date.now();
  const load = loadavg()[0]!.toFixed(1);
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
  const note = option("note");
  const problems = results.filter((r) => r.problem).map((r) => `- (!) ${describe(r.spec)}: ${r.problem}`);
  const command = ["npm run bench:e2e", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2).map(quoted)] : [])].join(" ");
  const circumstances =
    `on ${machine}, load average ${load} at the start${note ? ` (${note})` : ""}; ` +
    `it took ${took} s (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC).`;

  console.log(`\nthreadpilot end to end: \`${command}\` ${circumstances}\n`);
  console.log(textTable(results));
  if (problems.length) console.log(`\n${problems.join("\n")}`);
  console.log(`\n${NOTES}\n`);

  const section = [
    `## \`${command}\``,
    "",
    `Run ${circumstances}`,
    "",
    markdownTable(results),
    "",
    ...(problems.length ? [problems.join("\n"), ""] : []),
  ].join("\n");
  // --append keeps the runs already in the file (without their notes) and adds this one.
  const earlier =
    process.argv.includes("--append") && existsSync(RESULTS)
      ? readFileSync(RESULTS, "utf8").split(/^## How to read it$/m)[0]!.replace(/^# End-to-end benchmark\n+/, "").trimEnd()
      : "";
  const markdown = [
    "# End-to-end benchmark",
    "",
    ...(earlier ? [earlier, ""] : []),
    section,
    NOTES.replace(/^(How to read it|What limits the numbers)$/gm, "## $1").replace(/\n {2}/g, " "),
    "",
  ].join("\n");
  writeFileSync(RESULTS, markdown);
  console.log(`Written to ${RESULTS}.`);
}

function quoted(arg: string): string {
  return /^[\w=,./:-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
