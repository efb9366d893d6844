/**
 * Everything an end-to-end Discord test needs, started on 127.0.0.1 and closed together: the fake Discord (with
 * one guild, a #general channel and a few people), the fake model, the real Copilot runtime, the real Answerer
 * and reply streamer, a memory store, and the real Discord adapter (real discord.js).
 */
import { captureLogs } from "../log-capture.js";
import type { Logger } from "pino";
import { createDiscordAdapter, type DiscordAdapter, type DiscordAdapterOptions } from "../../../src/adapters/discord/index.js";
import { Answerer, type AnswererDeps } from "../../../src/core/answer.js";
import { BudgetRegistry } from "../../../src/reply/budget/budget.js";
import { openStore } from "../../../src/store/open-store.js";
import type { StateStore } from "../../../src/store/types.js";
import { startFakeModel, type FakeModel } from "../fake-model/server.js";
import { startTestRuntime, type TestRuntimeOptions } from "../test-runtime.js";
import { startFakeDiscord, type FakeChannel, type FakeDiscord, type FakeDiscordOptions, type FakeGuild, type FakeUser } from "./server.js";

export interface DiscordHarness {
  discord: FakeDiscord;
  model: FakeModel;
  adapter: DiscordAdapter;
  store: StateStore;
  guild: FakeGuild;
  general: FakeChannel;
  alice: FakeUser;
  bob: FakeUser;
  otherBot: FakeUser;
  /** `<@bot>` */
  mention: string;
  /** Every log line (info and above, or `logLevel` / TEST_LOG_LEVEL), parsed. */
  logs: Array<Record<string, unknown>>;
  /** The same lines as written, for searching the raw output (a token must never be in it). */
  logText(): string;
  /** Resolves once `count` log lines with this `msg` were written. */
  waitForLog(msg: string, count?: number): Promise<void>;
  /** A second adapter on the same store (a restart, or a second replica). */
  startAnotherAdapter(): Promise<DiscordAdapter>;
  close(): Promise<void>;
}

export interface DiscordHarnessOptions {
  fakeDiscord?: FakeDiscordOptions;
  adapter?: Partial<DiscordAdapterOptions>;
  vision?: boolean;
  logger?: Logger;
  /** Level of the captured log (default TEST_LOG_LEVEL or info). */
  logLevel?: string;
  /** Given to the Answerer and to the adapter (default 24,000). */
  historyCharBudget?: number;
  /** The rest of the Answerer's deps (maxMessageChars, toolsFor, ...). */
  answerer?: Partial<Omit<AnswererDeps, "runtime" | "logger" | "historyCharBudget">>;
  /** Tool policy and provider key of the real runtime. */
  runtime?: Omit<TestRuntimeOptions, "vision" | "logger">;
  /** Changes the world before the bot connects (roles, say, which only reach it in GUILD_CREATE). */
  prepare?: (world: FakeDiscord["model"], guild: FakeGuild, people: { alice: FakeUser; bob: FakeUser }) => void;
}

export async function startDiscordHarness(options: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const capture = captureLogs(options.logLevel);
  const { logs, rawLines, waitForLog } = capture;
  const logger = options.logger ?? capture.logger;
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const discord = await startFakeDiscord(options.fakeDiscord);
    cleanups.push(() => discord.close());
    const { model: world } = discord;
    const alice = world.createUser({ username: "alice", globalName: "Alice Liddell" });
    const bob = world.createUser({ username: "bob", globalName: "Bob Builder" });
    const otherBot = world.createUser({ username: "otherbot", bot: true });
    const guild = world.createGuild({ name: "Test Guild", ownerId: alice.id });
    world.addMember(guild.id, alice.id, { nick: "Alice" });
    world.addMember(guild.id, bob.id);
    world.addMember(guild.id, otherBot.id);
    const general = world.createTextChannel(guild.id, "general");
    options.prepare?.(world, guild, { alice, bob });

    const model = await startFakeModel();
    cleanups.push(() => model.close());
    const runtime = await startTestRuntime(model.url, { ...options.runtime, vision: options.vision ?? false, logger });
    cleanups.push(() => runtime.stop());
    const store = await openStore("memory://", logger);
    cleanups.push(() => store.close());
    const historyCharBudget = options.historyCharBudget ?? 24_000;
    const answerer = new Answerer({ ...options.answerer, runtime, logger, historyCharBudget });
    const budgets = new BudgetRegistry();

    const startAdapter = async () => {
      const adapter = createDiscordAdapter({
        token: discord.token,
        apiUrl: discord.apiUrl,
        answerer,
        store,
        logger,
        budgets,
        downloadImages: options.vision ?? false,
        historyCharBudget,
        ...(options.answerer?.maxMessageChars !== undefined ? { maxMessageChars: options.answerer.maxMessageChars } : {}),
        ...options.adapter,
      });
      cleanups.push(() => adapter.stop(2_000));
      await adapter.start();
      return adapter;
    };
    const adapter = await startAdapter();
    return {
      discord,
      model,
      adapter,
      store,
      guild,
      general,
      alice,
      bob,
      otherBot,
      mention: `<@${world.botUser.id}>`,
      logs,
      logText: () => rawLines.join(""),
      waitForLog,
      startAnotherAdapter: startAdapter,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
