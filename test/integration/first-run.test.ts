/**
 * A team's first hour, as the README tells it: the built entry point (`npm start` runs `node dist/main.js`) in a
 * fresh working directory with a fresh HOME and only the variables a user sets for each documented set-up, no
 * test-only settings (no COPILOT_HOME, REPOS_DIR, DATA_DIR or HEALTH_PORT). Each set-up answers one mention
 * against the fakes, and keeps everything it writes under ./data.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BotProcess } from "../support/bot-process.js";
import { runUntilExit, STACK_FRAME } from "../support/failed-start.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

let model: FakeModel;
const bots: BotProcess[] = [];
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  model = await startFakeModel();
  closers.push(() => model.close());
});

afterAll(async () => {
  for (const bot of bots) {
    await bot.kill();
    bot.cleanup();
  }
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

/** The model variables of the README's "bring your own model" set-up. */
function byok(): Record<string, string> {
  return { COPILOT_PROVIDER_BASE_URL: model.url, COPILOT_MODEL: "gpt-4o-mini" };
}

async function slack(): Promise<FakeSlack> {
  const fake = await startFakeSlack();
  closers.push(() => fake.close());
  fake.addChannel({ id: "C1", name: "general" });
  fake.addUser({ id: "U1", name: "alice", displayName: "Alice" });
  return fake;
}

/** A fake Discord with one guild, a #general channel and one person, made before the bot connects. */
interface DiscordWorld {
  fake: FakeDiscord;
  channelId: string;
  personId: string;
}

async function discord(): Promise<DiscordWorld> {
  const fake = await startFakeDiscord();
  closers.push(() => fake.close());
  const world = fake.model;
  const person = world.createUser({ username: "alice" });
  const guild = world.createGuild({ name: "Team", ownerId: person.id });
  world.addMember(guild.id, person.id);
  const channel = world.createTextChannel(guild.id, "general");
  return { fake, channelId: channel.id, personId: person.id };
}

async function start(name: string, env: Record<string, string>): Promise<BotProcess> {
  const bot = await BotProcess.start({ name, env });
  bots.push(bot);
  return bot;
}

/** What a fresh start leaves on disk: the store, the runtime's state and working directory, all under ./data. */
function expectDataUnderWorkingDirectory(bot: BotProcess): void {
  expect(readdirSync(bot.dir).sort()).toEqual(["data", "home"]);
  const data = readdirSync(join(bot.dir, "data"));
  expect(data).toEqual(expect.arrayContaining(["threadpilot.sqlite", "copilot", "repos"]));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function slackAnswers(fake: FakeSlack, text: string): Promise<void> {
  model.script({ text });
  const { message } = fake.userSays({ channel: "C1", user: "U1", text: `<@${fake.botUserId}> hello` });
  await fake.waitFor(() => fake.botReplies("C1", message.ts).some((m) => m.text === text), 30_000);
}

async function discordAnswers({ fake, channelId, personId }: DiscordWorld, text: string): Promise<void> {
  model.script({ text });
  fake.say({ channelId, authorId: personId, content: `<@${fake.model.botUser.id}> hello` });
  await fake.waitFor(() => fake.botMessages(channelId).some((m) => m.content === text), 30_000, `the answer "${text}"`);
}

describe("each documented set-up answers a mention with only the user's variables", () => {
  test("Slack in Socket Mode", async () => {
    const fake = await slack();
    const bot = await start("socket", {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_APP_TOKEN: fake.appToken,
      SLACK_API_URL: fake.apiUrl,
      ...byok(),
    });
    await slackAnswers(fake, "Answered over Socket Mode.");
    expectDataUnderWorkingDirectory(bot);
  });

  test("Slack over the HTTP Events API", async () => {
    const fake = await slack();
    const port = await freePort();
    await start("http", {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: fake.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      SLACK_PORT: String(port),
      ...byok(),
    });
    fake.eventsUrl = `http://127.0.0.1:${port}/slack/events`;
    await slackAnswers(fake, "Answered over HTTP.");
  });

  test("Discord", async () => {
    const world = await discord();
    const { fake } = world;
    const bot = await start("discord", { DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, ...byok() });
    await discordAnswers(world, "Answered on Discord.");
    expectDataUnderWorkingDirectory(bot);
  });

  test("Slack and Discord at once", async () => {
    const [slackFake, discordFake] = await Promise.all([slack(), discord()]);
    await start("both", {
      SLACK_BOT_TOKEN: slackFake.botToken,
      SLACK_APP_TOKEN: slackFake.appToken,
      SLACK_API_URL: slackFake.apiUrl,
      DISCORD_TOKEN: discordFake.fake.token,
      DISCORD_API_URL: discordFake.fake.apiUrl,
      ...byok(),
    });
    await slackAnswers(slackFake, "Both: Slack.");
    await discordAnswers(discordFake, "Both: Discord.");
  });
});

test("a DATA_DIR that cannot be written is one sentence naming it, exit 1", async () => {
  const { fake } = await discord();
  const cwd = mkdtempSync(join(tmpdir(), "threadpilot-datadir-"));
  // A file where the directory should be: refused for root too, unlike a permission bit.
  writeFileSync(join(cwd, "taken"), "not a directory");
  const result = await runUntilExit({ env: { DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, ...byok(), DATA_DIR: "taken/data" }, cwd });
  result.cleanup();
  expect(result.code).toBe(1);
  expect(result.stderr).toEqual([
    `DATA_DIR (${join(cwd, "taken", "data")}) cannot be written (a file is in the way): point DATA_DIR at a directory the bot's user can write.`,
  ]);
});

describe("Copilot sign-in, told apart offline", () => {
  test("a classic personal access token is refused at start with one sentence naming the variable", async () => {
    const { fake } = await discord();
    const token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
    const result = await runUntilExit({ env: { DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, GH_TOKEN: token } });
    result.cleanup();
    expect(result.code).toBe(1);
    expect(result.stderr.join("\n")).toMatch(/^GH_TOKEN holds a classic personal access token, which Copilot does not accept/);
    expect(result.stderr.some((line) => STACK_FRAME.test(line))).toBe(false);
    expect([...result.stdout, ...result.stderr].join("\n")).not.toContain(token);
    expect(result.leftovers()).toEqual([]);
  });

  test("GitHub out of reach is a network warning at start, and the thread is told the same", async () => {
    const { fake, channelId, personId } = await discord();
    // Every connection to GitHub goes through a proxy that is not there: the runtime and the bot's own check
    // fail to connect, on loopback, the way they do when the network is down.
    const deadProxy = `http://127.0.0.1:${await freePort()}`;
    const bot = await start("unreachable", {
      DISCORD_TOKEN: fake.token,
      DISCORD_API_URL: fake.apiUrl,
      GITHUB_TOKEN: "gho_0123456789abcdefghijklmnopqrstuvwxyz",
      HTTPS_PROXY: deadProxy,
    });
    const warning = bot.logs.find((l) => l.problem === "unreachable");
    expect(warning?.msg).toMatch(/GitHub \(api\.github\.com\) could not be reached .*a network problem, not bad credentials/);

    fake.say({ channelId, authorId: personId, content: `<@${fake.model.botUser.id}> are you there?` });
    await fake.waitFor(
      () => fake.botMessages(channelId).some((m) => /cannot reach the model service right now \(a network problem/.test(m.content)),
      90_000,
      "the unreachable sentence in the channel",
    );
  });
});

test("no file outside the working directory's ./data is needed: the same set-up starts twice on one data dir", async () => {
  const fake = await slack();
  const env = { SLACK_BOT_TOKEN: fake.botToken, SLACK_APP_TOKEN: fake.appToken, SLACK_API_URL: fake.apiUrl, ...byok() };
  const first = await start("restart-1", env);
  await slackAnswers(fake, "Before the restart.");
  first.signal("SIGTERM");
  expect((await first.waitForExit()).code).toBe(0);
  const second = await BotProcess.start({ name: "restart-2", env, cwd: first.dir });
  bots.push(second);
  await slackAnswers(fake, "After the restart.");
  expect(existsSync(join(first.dir, "data", "threadpilot.sqlite"))).toBe(true);
});
