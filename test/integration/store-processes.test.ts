/**
 * Two OS processes share one backend (a SQLite file, then one Redis) and race for the same claims and locks:
 * every claim and every lock must go to exactly one of them.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

const WORKER = fileURLToPath(new URL("./store-race-worker.ts", import.meta.url));
const KEYS = 20;

interface Outcome {
  claims: string[];
  locks: string[];
}

async function race(url: string): Promise<{ outcomes: Outcome[]; prefix: string }> {
  const prefix = randomUUID();
  const children = ["p1", "p2"].map((owner) =>
    spawn(process.execPath, ["--import", "tsx", WORKER, url, prefix, String(KEYS), owner], {
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  try {
    const lines = children.map((child) => {
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const reader = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      return async (): Promise<string> => {
        const next = await reader.next();
        if (next.done) throw new Error(`worker ended early: ${stderr}`);
        return next.value;
      };
    });
    for (const readLine of lines) expect(await readLine()).toBe("ready");
    for (const child of children) child.stdin.write("go\n");
    const outcomes = await Promise.all(lines.map(async (readLine) => JSON.parse(await readLine()) as Outcome));
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)))));
    return { outcomes, prefix };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

function expectEachKeyWonOnce({ outcomes, prefix }: { outcomes: Outcome[]; prefix: string }): void {
  const expected = Array.from({ length: KEYS }, (_, i) => `${prefix}-${i}`).sort();
  const claims = outcomes.flatMap((o) => o.claims).sort();
  const locks = outcomes.flatMap((o) => o.locks).sort();
  expect(claims).toEqual(expected);
  expect(locks).toEqual(expected);
}

describe("SQLite store shared by two processes", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "threadpilot-sqlite-procs-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives each claim and each lock to exactly one process", async () => {
    expectEachKeyWonOnce(await race(`sqlite://${join(dir, "shared.sqlite")}`));
  });
});

describe.skipIf(skipRedisTests())("Redis store shared by two processes", () => {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  it("gives each claim and each lock to exactly one process", async () => {
    expectEachKeyWonOnce(await race(redis!.url));
  });
});
