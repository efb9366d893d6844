/**
 * `npm run bench:start`: how long `npm start` takes from the command to "connected", against the project's fake
 * Slack (Socket Mode) and fake model (BYOK), in a fresh data directory each run. Beside it, the same start
 * preceded by a TypeScript build, which is what `npm start` did before the build moved into `prepare`.
 * Prints each run and the median of each, and their ratio; nothing leaves 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startFakeModel } from "../test/support/fake-model/server.js";
import { startFakeSlack } from "../test/support/fake-slack/index.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice("--runs=".length) ?? 5);

async function timeToConnected(command: string, env: Record<string, string>): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "threadpilot-start-"));
  const started = performance.now();
  const child = spawn("sh", ["-c", command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: dataDir, DATA_DIR: join(dataDir, "data"), LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  try {
    return await new Promise<number>((resolveTime, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command}: not connected within 180 s`)), 180_000);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.includes('"threadpilot is running"')) {
          clearTimeout(timer);
          resolveTime(performance.now() - started);
        }
      });
      child.once("exit", (code) => reject(new Error(`${command} exited with ${code} before connecting`)));
    });
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Gone already.
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const [slack, model] = await Promise.all([startFakeSlack(), startFakeModel()]);
const env = {
  SLACK_BOT_TOKEN: slack.botToken,
  SLACK_APP_TOKEN: slack.appToken,
  SLACK_API_URL: slack.apiUrl,
  COPILOT_PROVIDER_BASE_URL: model.url,
  COPILOT_MODEL: "gpt-4o-mini",
};
const commands = { "npm start": "exec npm start", "build, then start (before)": "npx tsc -p tsconfig.build.json --incremental false && exec npm start" };
const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
try {
  // Alternated run by run, so a machine that slows down mid-way slows both alike.
  for (let run = 0; run < RUNS; run++) {
    for (const [name, command] of Object.entries(commands)) {
      const ms = await timeToConnected(command, env);
      times[name]!.push(ms);
      console.log(`run ${run + 1} ${name}: ${seconds(ms)}`);
    }
  }
} finally {
  await Promise.all([slack.close(), model.close()]);
}
console.log("\n| command | median to connected | min | max |\n|---|--:|--:|--:|");
for (const [name, values] of Object.entries(times)) {
  console.log(`| ${name} | ${seconds(median(values))} | ${seconds(Math.min(...values))} | ${seconds(Math.max(...values))} |`);
}
const [ours, before] = Object.values(times);
console.log(`\nratio of medians (before / npm start): ${(median(before!) / median(ours!)).toFixed(1)}x over ${RUNS} runs each`);
