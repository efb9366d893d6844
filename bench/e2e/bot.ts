/**
 * The bot under test, in a process of its own so its CPU and memory are its own: the real Copilot runtime (a
 * child process of this one) on the fake model, the real Answerer with the reply strategy under test, and the
 * real adapters (Bolt in Socket Mode, one app per fake Slack workspace; discord.js) on the fake platforms. The
 * Chat SDK-like peer streams through a WebClient of its own per workspace (as the Chat SDK does) instead of the
 * adapter's reply target; the adapter still receives the mentions and reads the threads.
 * Driven over IPC by run.ts: `config` → "ready"; "start" (resets the usage counters) → one "answered" per
 * answer; "usage" → the CPU and peak memory since "start"; "stop" → exits.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { webApi } from "@slack/bolt";
import { pino } from "pino";
import { createDiscordAdapter } from "../../src/adapters/discord/index.js";
import { createSlackAdapter } from "../../src/adapters/slack/index.js";
import { Answerer, type ConversationTurn } from "../../src/core/answer.js";
import { BudgetRegistry } from "../../src/reply/budget/budget.js";
import { replyStrategy, slackAdapterOptions, type ChatSdkThread } from "../strategies/index.js";
import type { ReplyOutcome } from "../../src/reply/stream-reply.js";
import { openStore } from "../../src/store/open-store.js";
import { copilotRuntimePids } from "../../test/support/test-runtime.js";
import { startTestRuntime } from "../../test/support/test-runtime.js";
import type { BotConfig, BotMessage, ParentMessage, ProcessUsage } from "./protocol.js";

const CLOCK_TICKS_PER_SECOND = 100;

function send(message: BotMessage): void {
  process.send?.(message);
}

/** CPU seconds (user + system) of another process, from /proc. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function memoryKbOf(pid: number | "self", field: "VmHWM" | "VmRSS"): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
    return Number(line?.replace(/\D+/g, "") ?? NaN);
  } catch {
    return NaN;
  }
}

/** Resets a process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5), so a peak is this run's. */
function resetPeak(pid: number | "self"): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

async function main(config: BotConfig): Promise<void> {
  // Errors only, to stderr: the benchmark is about the bot's work, not its logging.
  const logger = pino({ level: "error" }, pino.destination(2));
  const runtime = await startTestRuntime(config.modelUrl, { vision: false, logger });
  const store = await openStore("memory://", logger);
  const budgets = new BudgetRegistry();
  const deps = { runtime, logger, historyCharBudget: 24_000 };
  const peer = config.strategy === "chat-sdk" ? chatSdkThreads(config) : undefined;
  const answerer = peer ? undefined : new Answerer({ ...deps, replyStrategy: replyStrategy(config.strategy) });
  const counting = {
    async answer(turn: ConversationTurn): Promise<ReplyOutcome | undefined> {
      // The peer's stream is bound to its thread, so it gets an Answerer (a few fields) per answer.
      const outcome = peer
        ? await new Answerer({ ...deps, replyStrategy: replyStrategy(config.strategy, peer(turn.threadKey)) }).answer(turn)
        : await answerer!.answer(turn);
      send({
        type: "answered",
        threadKey: turn.threadKey,
        status: outcome?.status ?? "undelivered",
        rateLimited: outcome?.rateLimited ?? 0,
      });
      return outcome;
    },
  };
  const stops: Array<() => Promise<void>> = [];
  for (const workspace of config.slack) {
    const adapter = createSlackAdapter({
      botToken: workspace.botToken,
      appToken: workspace.appToken,
      apiUrl: workspace.apiUrl,
      answerer: counting,
      store,
      logger,
      budgets,
      ...slackAdapterOptions(config.strategy),
    });
    await adapter.start();
    stops.push(() => adapter.stop(2_000));
  }
  if (config.discord) {
    const adapter = createDiscordAdapter({
      token: config.discord.token,
      apiUrl: config.discord.apiUrl,
      answerer: counting,
      store,
      logger,
      budgets,
    });
    await adapter.start();
    stops.push(() => adapter.stop(2_000));
  }
  // A running bot's runtime is warm: one throwaway answer loads what the first session of a process loads.
  for await (const event of runtime.stream({ prompt: "warm-up", threadKey: "warm-up" })) if (event.type === "done" || event.type === "error") break;
  const runtimePid = copilotRuntimePids()[0];
  let cpuAtStart = process.cpuUsage();
  let runtimeCpuAtStart = NaN;
  let rssAtStart = { bot: NaN, runtime: NaN };
  let peaksReset = false;

  process.on("message", (message: ParentMessage) => {
    if (message.type === "start") {
      peaksReset = resetPeak("self") && (runtimePid === undefined || resetPeak(runtimePid));
      rssAtStart = { bot: memoryKbOf("self", "VmRSS"), runtime: runtimePid ? memoryKbOf(runtimePid, "VmRSS") : NaN };
      cpuAtStart = process.cpuUsage();
      runtimeCpuAtStart = runtimePid ? cpuSecondsOf(runtimePid) : NaN;
      send({ type: "started" });
    } else if (message.type === "usage") {
      const cpu = process.cpuUsage(cpuAtStart);
      const usage: ProcessUsage = {
        botCpuS: (cpu.user + cpu.system) / 1e6,
        runtimeCpuS: runtimePid ? cpuSecondsOf(runtimePid) - runtimeCpuAtStart : NaN,
        botPeakKb: memoryKbOf("self", "VmHWM"),
        runtimePeakKb: runtimePid ? memoryKbOf(runtimePid, "VmHWM") : NaN,
        botStartKb: rssAtStart.bot,
        runtimeStartKb: rssAtStart.runtime,
        peaksReset,
      };
      send({ type: "usage", usage });
    } else if (message.type === "stop") {
      void shutdown();
    }
  });
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      await runtime.stop().catch(() => {});
      await store.close().catch(() => {});
      process.exit(0);
    })());
  // The benchmark that started us is gone: stop the runtime process too, do not leave it behind.
  process.on("disconnect", () => void shutdown());
  if (!process.connected) return void shutdown();
  send({ type: "ready", runtimePid: runtimePid ?? null });
}

/**
 * The Chat SDK-like peer's Slack threads: one real WebClient per workspace with its default retry and rate-limit
 * handling (a 429 pauses that client's whole queue for Retry-After), as the Chat SDK keeps one per bot token.
 * Its logger says only errors, so a 429 it waits out does not flood the benchmark's output.
 */
function chatSdkThreads(config: BotConfig): (threadKey: string) => ChatSdkThread {
  const workspaces = new Map(
    config.slack.map((w) => [
      w.teamId,
      { askerId: w.askerId, client: new webApi.WebClient(w.botToken, { slackApiUrl: w.apiUrl, logLevel: webApi.LogLevel.ERROR }) },
    ]),
  );
  return (threadKey) => {
    // The Slack adapter's thread key: slack:<team>:<channel>:<thread ts>.
    const [platform, team = "", channel = "", threadTs = ""] = threadKey.split(":");
    const workspace = workspaces.get(team);
    if (platform !== "slack" || !workspace) throw new Error(`The chat-sdk peer answers Slack threads only (got ${threadKey}).`);
    return { client: workspace.client, channel, threadTs, recipientUserId: workspace.askerId, recipientTeamId: team };
  };
}

let configured = false;
process.once("message", (message: ParentMessage) => {
  if (message.type !== "config") return;
  configured = true;
  main(message.config).catch((error: unknown) => {
    send({ type: "failed", reason: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
});
// Gone before we were configured: nothing to stop.
process.once("disconnect", () => {
  if (!configured) process.exit(0);
});
