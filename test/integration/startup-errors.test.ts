/**
 * What a user sees when the set-up is wrong: the real entry point, started in a fresh directory with a clean
 * environment against the fakes, ends with exit status 1 and one sentence on stderr naming the variable to fix,
 * with no stack trace, no token value, and no Copilot runtime process left behind. A wrong signing secret is the
 * exception: it cannot be seen at start, so the bot keeps running and says so once when requests fail the check.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_VARIABLES } from "../../src/config/schema.js";
import { SIGNATURE_WARNING } from "../../src/adapters/slack/signature-warning.js";
import { BotProcess, waitUntil } from "../support/bot-process.js";
import { concurrencyLimit, LOGGED_STACK, runUntilExit, STACK_FRAME, type FailedStart } from "../support/failed-start.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/server.js";

const REVOKED_BOT_TOKEN = "xoxb-revoked-0123456789";
const REVOKED_APP_TOKEN = "xapp-revoked-0123456789";
/** Two starts at once: each compiles the bot with tsx, and more only starve each other on a small machine. */
const startSlot = concurrencyLimit(2);
/** How long one start may take to fail: generous, as a loaded machine compiles slowly (a healthy one takes seconds). */
const RUN_TIMEOUT_MS = 150_000;
/** A case may also wait for a slot while other starts run. */
const CASE_TIMEOUT_MS = 600_000;

let slack: FakeSlack;
let discord: FakeDiscord;
let model: FakeModel;
/** Listens on every interface, so a bot asking for its port is refused (EADDRINUSE). */
let busy: Server;
/** Answers every request with HTTP 500: a Discord whose trouble the bot does not understand. */
let broken: Server;
let closedPort: number;
const runs: FailedStart[] = [];

beforeAll(async () => {
  slack = await startFakeSlack({ refusedTokens: { [REVOKED_BOT_TOKEN]: "token_revoked", [REVOKED_APP_TOKEN]: "token_revoked" } });
  discord = await startFakeDiscord();
  model = await startFakeModel();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, resolve));
  broken = createServer((_req, res) => {
    res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: "500: Internal Server Error", code: 0 }));
  });
  await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
  // A port nothing listens on: bound once to learn a free number, then let go.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  for (const run of runs) run.cleanup();
  await Promise.all([
    slack?.close(),
    discord?.close(),
    model?.close(),
    new Promise((resolve) => busy?.close(resolve)),
    new Promise((resolve) => broken?.close(resolve)),
  ]);
});

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** The model over BYOK (the fake), and nothing else: each case adds its platform's variables. */
function base(): Record<string, string> {
  return {
    COPILOT_PROVIDER_BASE_URL: model.url,
    COPILOT_PROVIDER_API_KEY: "fake-model-api-key-0123456789",
    COPILOT_MODEL: "fake-model",
  };
}

function slackSocket(extra: Record<string, string> = {}): Record<string, string> {
  return { ...base(), SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken, SLACK_API_URL: slack.apiUrl, ...extra };
}

function slackHttp(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...base(),
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    ...extra,
  };
}

function discordEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...base(), DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, ...extra };
}

async function failedStart(env: Record<string, string>): Promise<FailedStart> {
  const run = await startSlot(() => runUntilExit({ env, timeoutMs: RUN_TIMEOUT_MS }));
  runs.push(run);
  return run;
}

/** Exit 1, stderr is exactly one sentence matching `sentence`, no stack frame anywhere, no secret, no leftovers. */
function expectOneSentence(run: FailedStart, env: Record<string, string>, sentence: RegExp): void {
  const output = [...run.stdout, ...run.stderr];
  const shown = output.join("\n");
  expect({ code: run.code, stderr: run.stderr }, shown).toMatchObject({ code: 1, stderr: [expect.stringMatching(sentence)] });
  expect(run.stderr[0]).toMatch(/\.$/);
  expect(output.filter((line) => STACK_FRAME.test(line) || LOGGED_STACK.test(line))).toEqual([]);
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (value) expect(shown, `${name}'s value is printed`).not.toContain(value);
  }
  expect(run.leftovers()).toEqual([]);
}

describe.concurrent("a start that cannot work ends with one sentence naming the variable", () => {
  it("a wrong SLACK_BOT_TOKEN (auth.test: invalid_auth)", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackSocket({ SLACK_BOT_TOKEN: "xoxb-not-the-right-token-0123" });
    expectOneSentence(await failedStart(env), env, /^Slack rejected SLACK_BOT_TOKEN \(invalid_auth\): copy the Bot User OAuth Token/);
  });

  it("a revoked SLACK_BOT_TOKEN (auth.test: token_revoked)", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackSocket({ SLACK_BOT_TOKEN: REVOKED_BOT_TOKEN });
    expectOneSentence(await failedStart(env), env, /^Slack says SLACK_BOT_TOKEN is no longer valid \(token_revoked\): reinstall the app/);
  });

  it("an unreachable SLACK_API_URL is a network problem, not bad credentials", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackSocket({ SLACK_API_URL: `http://127.0.0.1:${closedPort}/api/` });
    const run = await failedStart(env);
    expectOneSentence(
      run,
      env,
      new RegExp(`^Could not reach Slack at http://127\\.0\\.0\\.1:${closedPort}/api/ \\(.*ECONNREFUSED.*\\): this is a network problem, not bad credentials; .*SLACK_API_URL\\.$`),
    );
    // The runtime was up (it starts before Slack, and the client retried for a while) and is gone now.
    expect(run.descendants.length).toBeGreaterThan(0);
  });

  it("a wrong SLACK_APP_TOKEN (apps.connections.open: invalid_auth)", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackSocket({ SLACK_APP_TOKEN: "xapp-not-the-right-token-0123" });
    expectOneSentence(await failedStart(env), env, /^Slack rejected SLACK_APP_TOKEN \(invalid_auth\): put an app-level token \(xapp-…\) with the connections:write scope/);
  });

  it("a revoked SLACK_APP_TOKEN, which Socket Mode's client alone would retry forever", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackSocket({ SLACK_APP_TOKEN: REVOKED_APP_TOKEN });
    expectOneSentence(await failedStart(env), env, /^Slack says SLACK_APP_TOKEN is no longer valid \(token_revoked\)/);
  });

  it("SLACK_PORT already in use (HTTP mode)", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackHttp({ SLACK_PORT: String(portOf(busy)) });
    expectOneSentence(
      await failedStart(env),
      env,
      new RegExp(`^Port ${portOf(busy)} \\(SLACK_PORT\\) is already in use by another program: stop that program or set SLACK_PORT to a free port\\.$`),
    );
  });

  it("HEALTH_PORT already in use", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackSocket({ HEALTH_PORT: String(portOf(busy)) });
    expectOneSentence(await failedStart(env), env, new RegExp(`^Port ${portOf(busy)} \\(HEALTH_PORT\\) is already in use by another program`));
  });

  it("a wrong DISCORD_TOKEN (GET /gateway/bot: 401)", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = discordEnv({ DISCORD_TOKEN: "not-the-right-discord-token-0123" });
    expectOneSentence(await failedStart(env), env, /^Discord rejected the bot token: .*into DISCORD_TOKEN\.$/);
  });

  it("an unreachable DISCORD_API_URL is a network problem, not a bad token", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = discordEnv({ DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api` });
    expectOneSentence(
      await failedStart(env),
      env,
      /^Could not reach Discord at http:\/\/127\.0\.0\.1:\d+\/api \(.*ECONNREFUSED.*\): this is a network problem, not bad credentials; .*DISCORD_API_URL\.$/,
    );
  });

  it("a BYOK model server out of reach is said at start, beside the failure that ends it", { timeout: CASE_TIMEOUT_MS }, async () => {
    const modelUrl = `http://127.0.0.1:${closedPort}/v1`;
    const env = discordEnv({ DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api`, COPILOT_PROVIDER_BASE_URL: modelUrl });
    const run = await failedStart(env);
    expectOneSentence(run, env, /^Could not reach Discord at .*DISCORD_API_URL\.$/);
    const warning = run.stdout.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { level?: number; msg?: string }).find((entry) => entry.msg?.startsWith("The model server"));
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toMatch(
      new RegExp(`^The model server at COPILOT_PROVIDER_BASE_URL \\(${modelUrl.replace(/[.]/g, "\\.")}\\) could not be reached \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}\\): .*\\.$`),
    );
  });

  it("Redis not answering at STORE_URL", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = discordEnv({ STORE_URL: `redis://127.0.0.1:${closedPort}/0` });
    expectOneSentence(
      await failedStart(env),
      env,
      new RegExp(`^Could not connect to the Redis store at redis://127\\.0\\.0\\.1:${closedPort}/0: .*ECONNREFUSED.*; start Redis there or point STORE_URL at a running one\\.$`),
    );
  });

  it("an SQLite path in STORE_URL whose directory cannot be made", { timeout: CASE_TIMEOUT_MS }, async () => {
    // A file where the directory should be: even root cannot make a directory under it.
    const blocker = join(mkdtempSync(join(tmpdir(), "threadpilot-blocker-")), "not-a-directory");
    writeFileSync(blocker, "");
    const env = discordEnv({ STORE_URL: `sqlite://${blocker}/state.sqlite` });
    expectOneSentence(
      await failedStart(env),
      env,
      /^Could not create the directory for the SQLite store at .*not-a-directory\/state\.sqlite: (ENOTDIR|EEXIST).*; choose a path you can write to in STORE_URL\.$/,
    );
  });

  it("an MCP_CONFIG server without a command", { timeout: CASE_TIMEOUT_MS }, async () => {
    const config = join(mkdtempSync(join(tmpdir(), "threadpilot-mcp-config-")), "mcp.json");
    writeFileSync(config, JSON.stringify({ tickets: { args: ["server.js"] } }));
    const env = discordEnv({ MCP_CONFIG: config, TOOL_POLICY: "tickets/*" });
    expectOneSentence(
      await failedStart(env),
      env,
      /^MCP_CONFIG \(.*mcp\.json\): server "tickets": "command" is missing: a stdio server needs the program to run\.$/,
    );
  });

  it("an MCP_CONFIG file that is not JSON", { timeout: CASE_TIMEOUT_MS }, async () => {
    const config = join(mkdtempSync(join(tmpdir(), "threadpilot-mcp-config-")), "mcp.json");
    writeFileSync(config, "tickets: { command: node }");
    const env = discordEnv({ MCP_CONFIG: config });
    expectOneSentence(await failedStart(env), env, /^MCP_CONFIG \(.*mcp\.json\) is not valid JSON \(.*\)\.$/);
  });

  it("a failure it does not understand still ends with one line and no stack", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = discordEnv({ DISCORD_API_URL: `http://127.0.0.1:${portOf(broken)}/api` });
    expectOneSentence(await failedStart(env), env, /^threadpilot stopped: Could not connect to Discord: Internal Server Error\.$/);
  });
});

describe("a wrong SLACK_SIGNING_SECRET (HTTP mode)", () => {
  // Slack has no method to check a signing secret, so the start succeeds; the first events tell.
  it("refuses Slack's events with 401 and warns once naming the variable, and keeps running", { timeout: CASE_TIMEOUT_MS }, async () => {
    const env = slackHttp({ SLACK_SIGNING_SECRET: "not-the-signing-secret-0123", SLACK_PORT: "0" });
    const bot = await startSlot(() => BotProcess.start({ name: "wrong-secret", env, readyTimeoutMs: RUN_TIMEOUT_MS }));
    try {
      const port = bot.logs.find((line) => line.msg === "Slack connected")?.port;
      expect(port, bot.tail()).toEqual(expect.any(Number));
      const eventsUrl = `http://127.0.0.1:${port as number}/slack/events`;
      slack.addChannel({ id: "C1", name: "general" });
      slack.addUser({ id: "U1", name: "alice" });

      // Slack's own deliveries, signed with the app's real secret, and a burst of forged requests besides.
      slack.eventsUrl = eventsUrl;
      const { mentionEventId } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> hello` });
      await waitUntil(() => slack.deliveries.some((d) => d.eventId === mentionEventId && d.status !== undefined), 20_000, "the delivery");
      const body = JSON.stringify({ type: "event_callback", event: { type: "app_mention" } });
      const forged = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(eventsUrl, {
            method: "POST",
            headers: { "content-type": "application/json", ...slack.sign(body), "x-slack-signature": `v0=${"0".repeat(64)}` },
            body,
          }).then((response) => response.status),
        ),
      );
      expect(slack.deliveries.find((d) => d.eventId === mentionEventId)?.status).toBe(401);
      expect(forged).toEqual(Array(20).fill(401));

      // One warning for 21 refusals, naming the setting; no line per request, no stack, no secret.
      await waitUntil(() => bot.linesWith(SIGNATURE_WARNING).length > 0, 10_000, "the warning", () => bot.tail());
      const warnings = bot.logs.filter((line) => String(line.msg).includes("SLACK_SIGNING_SECRET"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 40, msg: SIGNATURE_WARNING });
      expect(bot.logs.filter((line) => /signature|verify/i.test(String(line.msg)) && line.level! >= 40)).toHaveLength(1);
      const output = [...bot.logs.map((line) => JSON.stringify(line)), ...bot.output].join("\n");
      expect(output).not.toContain("not-the-signing-secret-0123");
      expect(output).not.toContain(slack.botToken);
      expect(bot.output.filter((line) => STACK_FRAME.test(line))).toEqual([]);

      // Still running: a forged request must not be able to stop the bot.
      expect(bot.exitedWith).toBeUndefined();
      bot.signal("SIGTERM");
      expect(await bot.waitForExit()).toEqual({ code: 0, signal: null });
    } finally {
      slack.eventsUrl = undefined;
      await bot.kill();
      bot.cleanup();
    }
  });
});
