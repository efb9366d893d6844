/**
 * Runs the real entry point (`node dist/main.js`, as `npm start` does) in a fresh temp directory with a clean environment
 * until it exits, for tests of start-ups that must fail: its stdout and stderr lines, its exit status, and every
 * process seen under it while it ran (the Copilot runtime among them), to prove none outlives it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { listProcesses, MAIN, type ProcInfo } from "./bot-process.js";

/** A line of a stack trace (`    at fn (file.ts:12:5)`). */
export const STACK_FRAME = /^\s+at .+:\d+:\d+/;
/** A stack trace inside a JSON log line (an error's `stack`, its newlines escaped). */
export const LOGGED_STACK = /\\n\s+at .+:\d+:\d+/;

export interface FailedStart {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string[];
  /** Every process seen under the bot while it ran. */
  descendants: ProcInfo[];
  /** Processes of the bot still alive: seen under it, or running in its temp directory. */
  leftovers(): ProcInfo[];
  /** The temp directory it ran in (its cwd and HOME); removed by `cleanup()`. */
  dir: string;
  cleanup(): void;
}

export interface FailedStartOptions {
  /** Variables on top of PATH, LANG and HOME (the temp directory). */
  env: Record<string, string>;
  /** Run in this directory (prepared by the test) instead of a fresh temp one. */
  cwd?: string;
  /** Kill it (and fail) if it has not exited by then (default 60 s). */
  timeoutMs?: number;
}

export async function runUntilExit(options: FailedStartOptions): Promise<FailedStart> {
  const dir = options.cwd ?? mkdtempSync(join(tmpdir(), "threadpilot-failed-start-"));
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8", HOME: dir, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));

  const seen = new Map<number, ProcInfo>();
  const watch = setInterval(() => {
    for (const proc of descendantsOf(child.pid!)) seen.set(proc.pid, proc);
  }, 50);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit({ code, signal })),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolveTimeout) => (timer = setTimeout(() => resolveTimeout("timeout"), timeoutMs)));
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  clearInterval(watch);
  // The pipes may still hold the last lines.
  await new Promise((resolveDrain) => setImmediate(resolveDrain));

  const leftovers = () =>
    listProcesses().filter(
      (proc) =>
        proc.pid !== child.pid &&
        ((seen.has(proc.pid) && seen.get(proc.pid)!.cmdline === proc.cmdline) ||
          (proc.cwd !== undefined && (proc.cwd === dir || proc.cwd.startsWith(`${dir}/`)))),
    );
  const killAll = () => {
    for (const proc of leftovers()) {
      try {
        process.kill(proc.pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
  };
  if (outcome === "timeout") {
    child.kill("SIGKILL");
    killAll();
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the bot did not exit within ${timeoutMs} ms:\n${[...stdout, ...stderr].slice(-30).join("\n")}`);
  }
  return {
    ...outcome,
    stdout,
    stderr,
    descendants: [...seen.values()],
    leftovers,
    dir,
    cleanup: () => {
      killAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function descendantsOf(pid: number): ProcInfo[] {
  const all = listProcesses();
  const found: ProcInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const proc of all) {
      if (parents.has(proc.ppid) && !parents.has(proc.pid)) {
        parents.add(proc.pid);
        found.push(proc);
        grew = true;
      }
    }
  }
  return found;
}

/** Runs at most `limit` tasks at once: each start compiles the bot with tsx, and the machine may be small. */
export function concurrencyLimit(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    // A freed slot is handed straight to the next in line, so a newcomer cannot slip in between.
    if (running >= limit) await new Promise<void>((resolveSlot) => waiting.push(resolveSlot));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
