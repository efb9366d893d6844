/** The benchmark's side of the bot process (bot.ts): start it, drive it, read its usage, stop it. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BotConfig, BotMessage, ParentMessage, ProcessUsage } from "./protocol.js";

const BOT_SCRIPT = fileURLToPath(new URL("./bot.ts", import.meta.url));

export interface Answered {
  threadKey: string;
  status: string;
  at: number;
}

export class BotProcess {
  readonly answered: Answered[] = [];
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(message: BotMessage) => void>();
  private exited: Promise<number | null>;

  private constructor(config: BotConfig) {
    this.child = fork(BOT_SCRIPT, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.on("message", (message: BotMessage) => {
      if (message.type === "answered") this.answered.push({ threadKey: message.threadKey, status: message.status, at: Date.now() });
      for (const listener of this.listeners) listener(message);
    });
    this.post({ type: "config", config });
  }

  /** Starts a bot and resolves once its adapters are connected and its runtime is up. */
  static async start(config: BotConfig, timeoutMs = 90_000): Promise<BotProcess> {
    const bot = new BotProcess(config);
    try {
      await bot.next("ready", timeoutMs);
      return bot;
    } catch (error) {
      await bot.stop();
      throw error;
    }
  }

  /** Resets the bot's CPU and peak-memory counters. */
  async begin(): Promise<void> {
    const started = this.next("started", 10_000);
    this.post({ type: "start" });
    await started;
  }

  /** Resolves when `count` answers have finished, or after `timeoutMs` (then with fewer). */
  waitForAnswers(count: number, timeoutMs: number): Promise<boolean> {
    if (this.answered.length >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const listener = () => {
        if (this.answered.length >= count) done(true);
      };
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(ok);
      };
      this.listeners.add(listener);
      void this.exited.then(() => done(this.answered.length >= count));
    });
  }

  async usage(): Promise<ProcessUsage> {
    const reply = this.next("usage", 10_000);
    this.post({ type: "usage" });
    return ((await reply) as Extract<BotMessage, { type: "usage" }>).usage;
  }

  /** Asks the bot to stop; kills it (by its own pid) if it has not exited within 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.post({ type: "stop" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  private post(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  private next(type: BotMessage["type"], timeoutMs: number): Promise<BotMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`The bot did not answer "${type}" within ${timeoutMs / 1000} s.`)), timeoutMs);
      const listener = (message: BotMessage) => {
        if (message.type === type) finish(undefined, message);
        else if (message.type === "failed") finish(new Error(`The bot failed to start: ${message.reason}`));
      };
      const finish = (error?: Error, message?: BotMessage) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve(message!);
      };
      this.listeners.add(listener);
      void this.exited.then((code) => finish(new Error(`The bot exited (code ${code}) before "${type}".`)));
    });
  }
}
