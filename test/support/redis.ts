/**
 * Starts a private redis-server for one test file: a free loopback port, no persistence, stopped in afterAll.
 * When redis-server is missing, Redis tests skip locally but FAIL under CI (process.env.CI), where it must exist.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stops redis-server, waits `downMs`, and starts it again on the same port, empty (no persistence). */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const MISSING =
  "redis-server is not installed, so the Redis store tests cannot run; install it (apt-get install -y redis-server) — CI must do this in .ci/run.";

/** Path of the redis-server binary (REDIS_SERVER_BIN when set, else from PATH), or undefined when missing. */
export function findRedisServer(): string | undefined {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const found = which.status === 0 ? which.stdout.trim() : "";
  if (found !== "") return found;
  return ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"].find((path) => existsSync(path));
}

/** True when Redis tests should be skipped: only locally, and only when redis-server is missing. */
export function skipRedisTests(): boolean {
  return findRedisServer() === undefined && !process.env.CI;
}

/**
 * Starts redis-server; throws a clear error when it is missing or does not come up. With `port`, on that port
 * (a stopped server started again where the bots expect it: an outage and its end).
 */
export async function startTestRedis(port?: number): Promise<TestRedis> {
  const binary = findRedisServer();
  if (binary === undefined) throw new Error(MISSING);
  if (port !== undefined) return launch(binary, port);
  let lastError: unknown;
  // A port found free can be taken before redis binds it; try a few.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await launch(binary, await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`redis-server did not start: ${(lastError as Error).message}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function launch(binary: string, port: number): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "threadpilot-redis-"));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const start = async (): Promise<ChildProcess> => {
    const child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitUntilReady(child, port, () => output);
    } catch (error) {
      await kill(child);
      throw error;
    }
    return child;
  };
  let child: ChildProcess;
  try {
    child = await start();
  } catch (error) {
    cleanup();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: async (downMs = 0) => {
      await kill(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      // Same port, no persistence: it comes back empty, as after a crash or a failover that lost the latest keys.
      child = await start();
    },
    stop: async () => {
      await kill(child);
      cleanup();
    },
  };
}

/** Polls with PING over a raw socket until redis answers, the process exits, or 15 s pass. */
async function waitUntilReady(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}: ${output().trim()}`);
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer on port ${port} within 15 s: ${output().trim()}`);
}

async function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
