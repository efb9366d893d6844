/**
 * Runs the real bot the way users do (`node dist/main.js`, built once by test/support/build-once.ts) as a child
 * process for process-level tests: a fresh temp working directory and HOME, only the variables a user sets
 * (pointed at the fake Slack, Discord and model), everything on disk under the default ./data, JSON log lines
 * parsed from stdout, signals, exit codes, and the process tree (to prove no Copilot runtime process outlives it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** The built entry point, as `npm start` runs it. */
export const MAIN = join(ROOT, "dist", "main.js");

/** The log line the app writes once every part is up (src/app.ts runApp). */
export const READY_MESSAGE = "threadpilot is running";

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface BotProcessOptions {
  /** Names the process in failure messages ("bot-a"). */
  name: string;
  /** Variables on top of a clean base (PATH, a fresh HOME, LANG): only what a user would set. */
  env: Record<string, string>;
  /** How long to wait for the ready line (default 45 s: the Copilot runtime starts on a loaded machine). */
  readyTimeoutMs?: number;
  /** Start in this working directory (e.g. a replica restarted on the same ./data); a fresh temp dir by default. */
  cwd?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One process of /proc: its parent, command line and working directory (undefined once it is gone). */
export interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
  cwd?: string;
}

/** The environment a bot needs to talk to the fakes in Socket Mode. */
export function botEnvironment(input: {
  slackApiUrl: string;
  botToken: string;
  appToken: string;
  modelUrl: string;
  storeUrl: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: input.botToken,
    SLACK_APP_TOKEN: input.appToken,
    SLACK_API_URL: input.slackApiUrl,
    COPILOT_PROVIDER_BASE_URL: input.modelUrl,
    COPILOT_PROVIDER_API_KEY: "fake-key",
    COPILOT_MODEL: "fake-model",
    COPILOT_RETRY_ATTEMPTS: "1",
    COPILOT_RETRY_BASE_DELAY_MS: "50",
    COPILOT_RETRY_MAX_DELAY_MS: "100",
    STORE_URL: input.storeUrl,
    HEALTH_PORT: "0",
    USER_RATE_LIMIT: "0",
    LOG_LEVEL: "info",
    ...input.extra,
  };
}

export class BotProcess {
  readonly logs: LogLine[] = [];
  /** Non-JSON stdout lines and all of stderr, for failure messages. */
  readonly output: string[] = [];
  readonly exited: Promise<ExitStatus>;
  /** Every process seen under this bot (runtime processes included), by pid; filled by `processTree()`. */
  readonly seen = new Map<number, ProcInfo>();
  private readonly waiters = new Set<() => void>();
  private exitStatus: ExitStatus | undefined;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    /** The working directory (./data, the default DATA_DIR, is inside it); removed by `cleanup()`. */
    readonly dir: string,
    /** Where the Copilot runtime runs: the default REPOS_DIR, ./data/repos. */
    readonly reposDir: string,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once("exit", (code, signal) => {
        this.exitStatus = { code, signal };
        this.wake();
        resolveExit(this.exitStatus);
      });
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as LogLine;
        this.logs.push(parsed);
      } catch {
        this.output.push(line);
      }
      if (process.env.TEST_BOT_LOGS) process.stderr.write(`[${name}] ${line}\n`);
      this.wake();
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      this.output.push(line);
      if (process.env.TEST_BOT_LOGS) process.stderr.write(`[${name} stderr] ${line}\n`);
      this.wake();
    });
  }

  /** Starts the bot and resolves once it logged that it is running; throws with its output if it does not. */
  static async start(options: BotProcessOptions): Promise<BotProcess> {
    const dir = options.cwd ?? mkdtempSync(join(tmpdir(), `threadpilot-${options.name}-`));
    const home = join(dir, "home");
    mkdirSync(home, { recursive: true });
    const reposDir = join(dir, "data", "repos");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      LANG: process.env.LANG ?? "C.UTF-8",
      ...options.env,
    };
    // cwd is the temp dir: no .env file of the checkout is picked up by dotenv.
    const child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const bot = new BotProcess(options.name, child, dir, reposDir);
    try {
      await bot.waitForLog((line) => line.msg === READY_MESSAGE, options.readyTimeoutMs ?? 45_000, "the ready line");
    } catch (error) {
      await bot.kill();
      bot.cleanup();
      throw error;
    }
    return bot;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exitedWith(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /** The port of /healthz and /metrics, from the app's log line. */
  get healthPort(): number {
    const line = this.logs.find((l) => l.msg === "Health and metrics listening" && typeof l.port === "number");
    if (!line) throw new Error(`${this.name}: no "Health and metrics listening" log line`);
    return line.port as number;
  }

  /** Resolves with the first log line (counting from `from`) that `match` accepts; rejects on timeout or exit. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 30_000, what = "a log line", from = 0): Promise<LogLine> {
    return new Promise((resolveLine, reject) => {
      const check = () => {
        const found = this.logs.slice(from).find(match);
        if (found) {
          done();
          resolveLine(found);
        } else if (this.exitStatus) {
          done();
          reject(new Error(`${this.name} exited (${JSON.stringify(this.exitStatus)}) before ${what}:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: timed out waiting for ${what}:\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Log lines with this message. */
  linesWith(msg: string): LogLine[] {
    return this.logs.filter((l) => l.msg === msg);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exitStatus) this.child.kill(signal);
  }

  /** Resolves with the exit status; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 30_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The bot's descendants now (runtime processes and theirs), remembered in `seen`. */
  processTree(): ProcInfo[] {
    const all = listProcesses();
    const tree: ProcInfo[] = [];
    const parents = new Set([this.pid]);
    // /proc order is not parent-first everywhere: repeat until nothing new joins.
    for (let grew = true; grew; ) {
      grew = false;
      for (const proc of all) {
        if (parents.has(proc.ppid) && !parents.has(proc.pid)) {
          parents.add(proc.pid);
          tree.push(proc);
          grew = true;
        }
      }
    }
    for (const proc of tree) this.seen.set(proc.pid, proc);
    return tree;
  }

  /**
   * Processes that belong to this bot and are still alive: any process seen under it earlier, and any process
   * (wherever it was reparented) whose working directory is this bot's REPOS_DIR, where the runtime runs.
   */
  leftovers(): ProcInfo[] {
    const alive = listProcesses();
    return alive.filter(
      (proc) =>
        proc.pid !== this.pid &&
        ((this.seen.has(proc.pid) && this.seen.get(proc.pid)!.cmdline === proc.cmdline) ||
          (proc.cwd !== undefined && (proc.cwd === this.reposDir || proc.cwd.startsWith(`${this.reposDir}/`)))),
    );
  }

  /** SIGKILLs the bot and anything left of it (for afterAll and failed starts). */
  async kill(): Promise<void> {
    for (const proc of [...this.processTree(), ...this.leftovers()]) {
      try {
        process.kill(proc.pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    if (!this.exitStatus) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }

  /** Removes the temp directories (call after the process is gone). */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 40): string {
    const logs = this.logs.slice(-lines).map((l) => JSON.stringify(l));
    return [...logs, ...this.output.slice(-lines)].join("\n");
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Every process in /proc with its parent, command line and working directory. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name in parentheses may contain spaces: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue; // A zombie is dead, only not yet reaped.
      const ppid = Number(fields[1]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      let cwd: string | undefined;
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        cwd = undefined;
      }
      out.push({ pid, ppid, cmdline, ...(cwd === undefined ? {} : { cwd }) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** GET a path of the bot's ops server: status and body text. */
export async function getOps(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The sum of a Prometheus counter's samples whose labels include every pair in `labels`. */
export function counterValue(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[1] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[2]);
  }
  return total;
}

/** Resolves once `check()` is true (polled every 50 ms, e.g. over several bots' logs); rejects after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = "a condition",
  tail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${tail ? `:\n${tail()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
