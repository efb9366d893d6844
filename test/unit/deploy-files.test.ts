/**
 * The Dockerfile, compose file and systemd unit cannot be run in CI (no container runtime, no systemd), so this
 * keeps what they state in line with the code: the shutdown grace fits the stop timeouts, ports match, the image
 * keeps the Copilot runtime's optional platform package, runs as a non-root user and starts the built entry point.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/load.js";

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** Docker's stop timeout when nothing else is set: SIGKILL this long after SIGTERM. */
const DOCKER_DEFAULT_STOP_MS = 10_000;
/** Past the grace period, time to post the "interrupted" notes, stop the runtime and close the store. */
const CLOSE_ALLOWANCE_MS = 2_000;

/** The configuration a user gets with only a platform and a model set: every default. */
const defaults = loadConfig({
  DISCORD_TOKEN: "a.b.c",
  COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9/v1",
  COPILOT_MODEL: "m",
});

/** Dockerfile instructions in order, continuation lines joined. */
function dockerInstructions(text: string): Array<{ op: string; args: string; stage: number }> {
  const joined = text.replace(/\\\n/g, " ");
  const out: Array<{ op: string; args: string; stage: number }> = [];
  let stage = -1;
  for (const line of joined.split("\n")) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    if (match[1] === "FROM") stage++;
    out.push({ op: match[1]!, args: match[2]!.trim(), stage });
  }
  return out;
}

/** "10s", "1m30s", "500ms" → milliseconds. */
function durationMs(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
  }
  return total;
}

function unitDirectives(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) directives.set(match[1]!, [...(directives.get(match[1]!) ?? []), match[2]!]);
  }
  return directives;
}

interface ComposeService {
  environment?: Record<string, string>;
  env_file?: string | string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, unknown>;
}

describe("deploy files", () => {
  const dockerfile = read("Dockerfile");
  const steps = dockerInstructions(dockerfile);
  const runtimeStage = Math.max(...steps.map((s) => s.stage));
  const inRuntime = steps.filter((s) => s.stage === runtimeStage);
  const runtimeEnv = Object.fromEntries(
    inRuntime
      .filter((s) => s.op === "ENV")
      .flatMap((s) => [...s.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
  );
  const compose = parse(read("compose.yaml")) as { services: Record<string, ComposeService> };
  const bot = compose.services.bot!;
  const unit = unitDirectives(read("deploy/threadpilot.service"));

  it("has a default grace period that leaves room to close inside Docker's default stop timeout", () => {
    expect(defaults.shutdown.graceMs + CLOSE_ALLOWANCE_MS).toBeLessThanOrEqual(DOCKER_DEFAULT_STOP_MS);
  });

  it("gives compose and systemd the same stop timeout, covering the grace period it sets", () => {
    const composeStop = durationMs(bot.stop_grace_period ?? "");
    const unitStop = durationMs(`${unit.get("TimeoutStopSec")?.[0] ?? ""}s`);
    expect(composeStop).toBe(unitStop);
    const composeGrace = Number(bot.environment?.SHUTDOWN_GRACE_MS ?? defaults.shutdown.graceMs);
    expect(composeGrace).toBe(defaults.shutdown.graceMs);
    expect(composeStop - composeGrace).toBeGreaterThanOrEqual(CLOSE_ALLOWANCE_MS);
    expect(composeStop).toBeLessThanOrEqual(DOCKER_DEFAULT_STOP_MS);
    // Only the bot gets SIGTERM: it stops the Copilot runtime itself once its answers are done.
    expect(unit.get("KillMode")).toEqual(["mixed"]);
  });

  it("builds with every dependency and ships production and optional ones only", () => {
    const runs = steps.filter((s) => s.op === "RUN").map((s) => s.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (ci|prune|install)\b.*--omit=dev/.test(r))).toBe(true);
    // The Copilot runtime's platform package is an optional dependency: omitting optional ones drops it.
    expect(dockerfile).not.toMatch(/--omit[= ]optional|--no-optional/);
    expect(readFileSync(new URL("../../deploy/threadpilot.service", import.meta.url), "utf8")).not.toMatch(
      /--omit[= ]optional|--no-optional/,
    );
  });

  it("runs the built entry point as a non-root user on the Node the SDK accepts", () => {
    const from = steps.filter((s) => s.op === "FROM").map((s) => s.args.split(/\s+/)[0]!);
    const nvmrc = read(".nvmrc").trim();
    for (const image of from) expect(image).toMatch(new RegExp(`^node:${nvmrc}(\\b|-)`));
    const user = inRuntime.filter((s) => s.op === "USER").at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user!.split(":")[0]);
    const command = JSON.parse(inRuntime.find((s) => s.op === "CMD")!.args) as string[];
    expect(command).toEqual(["node", "dist/main.js"]);
    // The build puts src/main.ts at dist/main.js.
    const build = JSON.parse(read("tsconfig.build.json")) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(`${build.compilerOptions.outDir}/main.js`).toBe("dist/main.js");
    expect(existsSync(new URL(`../../${build.compilerOptions.rootDir}/main.ts`, import.meta.url))).toBe(true);
    expect(unit.get("ExecStart")?.[0]).toMatch(/\/node dist\/main\.js$/);
    expect(unit.get("User")?.[0]).not.toBe("root");
  });

  it("probes /healthz on the port the bot is told to serve it on", () => {
    const port = runtimeEnv.HEALTH_PORT;
    expect(port).toMatch(/^\d+$/);
    expect(inRuntime.find((s) => s.op === "EXPOSE")?.args.split(/\s+/)).toContain(port);
    const healthcheck = inRuntime.find((s) => s.op === "HEALTHCHECK")?.args ?? "";
    expect(healthcheck).toContain("/healthz");
    expect(healthcheck).toContain("process.env.HEALTH_PORT");
    expect(bot.environment?.HEALTH_PORT).toBe(port);
    expect(bot.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${port}/healthz`);
    expect(unit.get("Environment")).toContain(`HEALTH_PORT=${port}`);
  });

  it("keeps state in the data directory volume", () => {
    expect(runtimeEnv.DATA_DIR).toBe("/app/data");
    expect(inRuntime.find((s) => s.op === "VOLUME")?.args).toContain("/app/data");
    expect(inRuntime.find((s) => s.op === "WORKDIR")?.args).toBe("/app");
  });

  it("runs two replicas on one Redis, with tokens from .env", () => {
    expect(bot.deploy?.replicas).toBe(2);
    expect(bot.environment?.STORE_URL).toBe("redis://redis:6379");
    expect(compose.services.redis).toBeDefined();
    expect(Object.keys(bot.depends_on ?? {})).toContain("redis");
    expect([bot.env_file].flat()).toContain(".env");
    const withStore = loadConfig({
      DISCORD_TOKEN: "a.b.c",
      COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9/v1",
      COPILOT_MODEL: "m",
      ...bot.environment,
    });
    expect(withStore.store.url).toBe("redis://redis:6379");
    expect(withStore.health.port).toBe(Number(runtimeEnv.HEALTH_PORT));
  });

  it("keeps secrets and local state out of the image's build context", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    for (const path of [".env", "node_modules", "data", ".git"]) expect(ignored).toContain(path);
  });
});
