/**
 * Model choice and channel instructions end to end: the real bot process on Slack and Discord (fakes), a SQLite
 * store, the real Copilot runtime signed in with a GitHub token against the fake model as its Copilot API
 * (COPILOT_API_URL), which is where `client.listModels()` gets its list (a BYOK provider has none). A choice made
 * by command reaches the next request to the model, survives a restart, is named in the answer's footer; a
 * channel's instructions reach the system prompt there and nowhere else; someone not allowed gets one sentence.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGE_CHANNELS_SENTENCE } from "../../src/adapters/discord/settings-commands.js";
import { ADMIN_ONLY_SENTENCE } from "../../src/adapters/slack/settings-subcommands.js";
import { BotProcess, waitUntil } from "../support/bot-process.js";
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeUser as DiscordUser,
  type FakeChannel as DiscordChannel,
} from "../support/fake-discord/server.js";
import {
  lastUserText,
  messageText,
  startFakeModel,
  type FakeModel,
  type RecordedRequest,
} from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { ackedInTime } from "../support/fake-slack/interactions.js";

const WAIT_MS = 45_000;

let slack: FakeSlack;
let discord: FakeDiscord;
let model: FakeModel;
let cwd: string;
let bot: BotProcess | undefined;
let alice: DiscordUser;
let bob: DiscordUser;
let general: DiscordChannel;
let random: DiscordChannel;

async function startBot(name: string): Promise<BotProcess> {
  const started = await BotProcess.start({
    name,
    cwd,
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      // Slack answers stream natively here (the default) and by chat.update in the BYOK test: the footer shows on both.
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      // Copilot sign-in with a token, the Copilot API being the fake model: the environment model choice is for.
      GITHUB_TOKEN: "github_pat_fake_for_tests",
      COPILOT_API_URL: model.apiUrl,
      COPILOT_MODEL: "fake-model",
      COPILOT_RETRY_ATTEMPTS: "1",
      STORE_URL: "sqlite://./data/state.sqlite",
      ALLOW_SLACK_USERS: "U1,U2",
      HEALTH_PORT: "0",
      USER_RATE_LIMIT: "0",
      LOG_LEVEL: "info",
    },
  });
  bot = started;
  return started;
}

/** Runs `/copilot <text>` and returns the ephemeral response the bot sent to its response_url. */
async function copilot(user: string, channel: string, text: string): Promise<string> {
  const before = slack.responses.length;
  const delivery = slack.runSlashCommand({ command: "/copilot", text, user, channel });
  // The ack (Socket Mode) and the response (HTTP) travel on different connections, so the response can land first
  // even though the bot acked before responding: wait for both before judging the ack.
  await slack.waitFor(
    () => slack.responses.length > before && delivery.ackedAt !== undefined,
    WAIT_MS,
    `the ack of and the response to /copilot ${text}`,
  );
  expect(ackedInTime(delivery)).toBe(true);
  const body = slack.responses[before]!.body;
  expect(body.response_type).toBe("ephemeral");
  return String(body.text);
}

/** Runs a Discord slash command and returns the text of its (ephemeral) reply once written. */
async function discordCommand(
  user: DiscordUser,
  channelId: string,
  name: string,
  options: Record<string, string | boolean> = {},
): Promise<string> {
  const interaction = discord.slashCommand({ channelId, userId: user.id, name, options });
  // An ephemeral reply is in no channel's history: the fake keeps it on the interaction, for the user only.
  const reply = () => interaction.ephemeral.find((m) => m.content !== "");
  await discord.waitFor(() => reply() !== undefined, WAIT_MS, `the reply to /${name}`);
  expect(interaction.response!.at - interaction.createdAt).toBeLessThan(3_000);
  expect(reply()!.flags & 64).toBe(64);
  return reply()!.content;
}

/** The request to the fake model that carried `question`. */
async function requestFor(question: string): Promise<RecordedRequest> {
  await waitUntil(
    () => model.requests.some((r) => lastUserText(r.body).includes(question)),
    WAIT_MS,
    `a model request for "${question}"`,
  );
  return model.requests.find((r) => lastUserText(r.body).includes(question))!;
}

const systemPrompt = (request: RecordedRequest) =>
  (request.body.messages ?? [])
    .filter((m) => m.role === "system")
    .map(messageText)
    .join("\n");

/** Resolves once the bot logged one more finished answer than `before` (the reply's last edit is then done). */
const answersFinished = () => bot!.linesWith("answer finished").length;

async function slackAnswer(channel: string, question: string): Promise<{ request: RecordedRequest; reply: string }> {
  const before = answersFinished();
  const { message } = slack.userSays({ channel, user: "U1", text: `<@${slack.botUserId}> ${question}` });
  const request = await requestFor(question);
  await waitUntil(() => answersFinished() > before, WAIT_MS, "the Slack answer to finish");
  return {
    request,
    reply: slack
      .botReplies(channel, message.ts)
      .map((m) => m.text)
      .join("\n"),
  };
}

async function discordAnswer(
  channelId: string,
  question: string,
): Promise<{ request: RecordedRequest; reply: string }> {
  const before = answersFinished();
  const said = discord.say({ channelId, authorId: alice.id, content: `<@${discord.model.botUser.id}> ${question}` });
  const request = await requestFor(question);
  await waitUntil(() => answersFinished() > before, WAIT_MS, "the Discord answer to finish");
  const replies = discord.botMessages(channelId).filter((m) => m.reference?.messageId === said.id);
  return { request, reply: replies.map((m) => m.content).join("\n") };
}

beforeAll(async () => {
  [slack, discord, model] = await Promise.all([startFakeSlack(), startFakeDiscord(), startFakeModel()]);
  model.setModels([
    { id: "fake-model", name: "Fake Model" },
    { id: "fake-large", name: "Fake Large", efforts: ["low", "medium", "high"] },
    { id: "fake-small", name: "Fake Small" },
  ]);
  model.setFallback((request) => ({
    text: `Answer to ${lastUserText(request.body).split("\n").at(-1)?.slice(-40) ?? "?"}`,
  }));
  slack.addChannel({ id: "C1", name: "general" });
  slack.addChannel({ id: "C2", name: "random" });
  slack.addUser({ id: "U1", name: "alice", displayName: "Alice", isAdmin: true });
  slack.addUser({ id: "U2", name: "bob", displayName: "Bob" });
  slack.addUser({ id: "U3", name: "mallory", displayName: "Mallory" });
  const world = discord.model;
  alice = world.createUser({ username: "alice", globalName: "Alice" });
  bob = world.createUser({ username: "bob", globalName: "Bob" });
  // Alice owns the guild (every permission, Manage Channels included); Bob is a plain member.
  const guild = world.createGuild({ name: "Test Guild", ownerId: alice.id });
  world.addMember(guild.id, alice.id);
  world.addMember(guild.id, bob.id);
  general = world.createTextChannel(guild.id, "general");
  random = world.createTextChannel(guild.id, "random");
  cwd = mkdtempSync(join(tmpdir(), "threadpilot-model-choice-"));
  await startBot("model-choice-a");
}, 120_000);

afterAll(async () => {
  await bot?.kill();
  await Promise.all([slack?.close(), discord?.close(), model?.close()]);
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe("model choice and channel instructions", () => {
  it("Slack: /copilot model shows the choice and the models, and refuses a change by someone not allowed", async () => {
    const shown = await copilot("U2", "C1", "model");
    expect(shown).toContain("This channel uses the default model, `fake-model`.");
    expect(shown).toContain("`fake-large` (reasoning effort: low, medium, high)");
    expect(shown).toContain("`fake-small`");
    expect(model.modelListRequests).toBeGreaterThan(0);

    expect(await copilot("U2", "C1", "model fake-large")).toBe(ADMIN_ONLY_SENTENCE);
    expect(await copilot("U2", "C1", "instructions set Be terse.")).toBe(ADMIN_ONLY_SENTENCE);
    // Outside the access lists: the gate's one sentence, for looking too.
    expect(await copilot("U3", "C1", "model")).toMatch(/^Sorry, I'm not enabled for you here\./);
    expect(await copilot("U3", "C1", "usage")).toMatch(/^Sorry, I'm not enabled for you here\./);
    // Checked against the model list: an unknown model, an effort the model does not take.
    expect(await copilot("U1", "C1", "model gpt-nonexistent")).toMatch(
      /^`gpt-nonexistent` is not a model this bot can use; choose one of `auto`, `fake-model`, `fake-large`/,
    );
    expect(await copilot("U1", "C1", "model fake-large turbo")).toBe(
      "`fake-large` takes a reasoning effort of low, medium or high, not `turbo`.",
    );
    expect(await copilot("U1", "C1", "model fake-small high")).toBe(
      "`fake-small` takes no reasoning effort; choose it without one.",
    );
    expect(await copilot("U1", "C1", `instructions set ${"x".repeat(2_001)}`)).toBe(
      "Those instructions are 2001 characters long; the limit is 2000, so please shorten them.",
    );
  }, 120_000);

  it("Slack: a chosen model and effort reach the next request, with a footer; instructions reach the prompt in that channel only", async () => {
    expect(await copilot("U1", "C1", "model fake-large high")).toBe(
      "From the next answer on, this channel uses `fake-large` with high reasoning effort.",
    );
    expect(await copilot("U1", "C1", "instructions set Always answer in French.")).toMatch(/^Saved:/);
    expect(await copilot("U2", "C1", "instructions")).toBe(
      "Instructions for answers in this channel:\nAlways answer in French.",
    );

    const here = await slackAnswer("C1", "what is a monad");
    expect(here.request.body.model).toBe("fake-large");
    expect(here.request.body.reasoning_effort).toBe("high");
    expect(systemPrompt(here.request)).toContain("Always answer in French.");
    expect(here.reply).toMatch(/Model: fake-large \(high reasoning effort\)/);

    const elsewhere = await slackAnswer("C2", "what is a functor");
    expect(elsewhere.request.body.model).toBe("fake-model");
    expect(elsewhere.request.body.reasoning_effort).toBeUndefined();
    expect(systemPrompt(elsewhere.request)).not.toContain("Always answer in French.");
    expect(elsewhere.reply).not.toContain("Model:");
  }, 120_000);

  it("Discord: /model suggests models and efforts by autocomplete, within Discord's limits", async () => {
    const names = discord.autocomplete({
      channelId: general.id,
      userId: bob.id,
      name: "model",
      options: { name: "lar" },
      focused: "name",
    });
    await discord.waitFor(() => names.response !== null, WAIT_MS, "the model suggestions");
    expect(names.response!.type).toBe(8);
    expect(names.response!.at - names.createdAt).toBeLessThan(3_000);
    expect(names.choices).toEqual([{ name: "Fake Large (fake-large)", value: "fake-large" }]);

    const efforts = discord.autocomplete({
      channelId: general.id,
      userId: bob.id,
      name: "model",
      options: { name: "fake-large", effort: "" },
      focused: "effort",
    });
    await discord.waitFor(() => efforts.response !== null, WAIT_MS, "the effort suggestions");
    expect(efforts.choices).toEqual(["low", "medium", "high"].map((e) => ({ name: e, value: e })));
  }, 60_000);

  it("Discord: Manage Channels may choose; the choice and instructions reach the model; a thread overrides its channel", async () => {
    expect(await discordCommand(bob, general.id, "model", { name: "fake-small" })).toBe(MANAGE_CHANNELS_SENTENCE);
    expect(await discordCommand(alice, general.id, "model", { name: "fake-small" })).toBe(
      "From the next answer on, this channel uses `fake-small`.",
    );
    expect(await discordCommand(alice, general.id, "instructions", { set: "Answer like a pirate." })).toMatch(
      /^Saved:/,
    );
    expect(await discordCommand(bob, general.id, "model")).toContain("This channel uses `fake-small`.");

    const here = await discordAnswer(general.id, "how do tides work");
    expect(here.request.body.model).toBe("fake-small");
    expect(systemPrompt(here.request)).toContain("Answer like a pirate.");
    expect(here.reply).toContain("Model: fake-small");

    const elsewhere = await discordAnswer(random.id, "how do rainbows form");
    expect(elsewhere.request.body.model).toBe("fake-model");
    expect(systemPrompt(elsewhere.request)).not.toContain("Answer like a pirate.");
    expect(elsewhere.reply).not.toContain("Model:");

    // A thread is a channel of its own on Discord: its choice overrides its channel's; the instructions carry over.
    const thread = discord.model.createThread({ parentId: general.id, name: "deep dive", ownerId: alice.id });
    expect(await discordCommand(alice, thread.id, "model", { name: "fake-large", effort: "low" })).toBe(
      "From the next answer on, this thread uses `fake-large` with low reasoning effort.",
    );
    const inThread = await discordAnswer(thread.id, "why is the sea salty");
    expect(inThread.request.body.model).toBe("fake-large");
    expect(inThread.request.body.reasoning_effort).toBe("low");
    expect(systemPrompt(inThread.request)).toContain("Answer like a pirate.");
  }, 120_000);

  it("the choices survive a restart on the same SQLite store", async () => {
    const first = bot!;
    first.signal("SIGTERM");
    await first.waitForExit(30_000);
    await startBot("model-choice-b");

    expect(await copilot("U2", "C1", "model")).toContain("This channel uses `fake-large` with high reasoning effort.");
    const slackAfter = await slackAnswer("C1", "what is an applicative");
    expect(slackAfter.request.body.model).toBe("fake-large");
    expect(systemPrompt(slackAfter.request)).toContain("Always answer in French.");

    const discordAfter = await discordAnswer(general.id, "what makes waves");
    // The earlier answers in the channel's history reach the model without their footers.
    expect(lastUserText(discordAfter.request.body)).toContain("Answer to");
    expect(lastUserText(discordAfter.request.body)).not.toContain("Model:");
    expect(discordAfter.request.body.model).toBe("fake-small");
    expect(systemPrompt(discordAfter.request)).toContain("Answer like a pirate.");

    // Back to the default: the footer goes, the default model is asked.
    expect(await copilot("U1", "C1", "model default")).toBe(
      "From the next answer on, this channel uses the default model (`fake-model`) again.",
    );
    expect(await copilot("U1", "C1", "instructions clear")).toMatch(/^Removed:/);
    const reset = await slackAnswer("C1", "what is a monoid");
    expect(reset.request.body.model).toBe("fake-model");
    expect(systemPrompt(reset.request)).not.toContain("Always answer in French.");
    expect(reset.reply).not.toContain("Model:");
  }, 180_000);

  it("with a BYOK provider the model stays the configured one, said in one sentence; instructions still apply", async () => {
    // A choice made under Copilot sign-in, then the operator moves to BYOK on the same store.
    expect(await copilot("U1", "C2", "model fake-large")).toBe(
      "From the next answer on, this channel uses `fake-large`.",
    );
    const running = bot!;
    running.signal("SIGTERM");
    await running.waitForExit(30_000);
    bot = await BotProcess.start({
      name: "model-choice-byok",
      cwd,
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: slack.appToken,
        SLACK_API_URL: slack.apiUrl,
        SLACK_NATIVE_STREAMING: "false",
        COPILOT_PROVIDER_BASE_URL: model.url,
        COPILOT_PROVIDER_API_KEY: "fake-key",
        COPILOT_MODEL: "fake-model",
        COPILOT_RETRY_ATTEMPTS: "1",
        STORE_URL: "sqlite://./data/state.sqlite",
        HEALTH_PORT: "0",
        USER_RATE_LIMIT: "0",
      },
    });
    const sentence =
      "This bot uses its own provider's single configured model (`fake-model`), so the model cannot be changed here.";
    expect(await copilot("U2", "C2", "model")).toBe(sentence);
    expect(await copilot("U1", "C2", "model fake-large high")).toBe(sentence);
    expect(await copilot("U1", "C2", "instructions set Reply in haiku.")).toMatch(/^Saved:/);
    const answer = await slackAnswer("C2", "what is a lambda");
    expect(answer.request.body.model).toBe("fake-model");
    expect(systemPrompt(answer.request)).toContain("Reply in haiku.");
    // The stored choice is not used: the provider has one model.
    expect(answer.reply).not.toContain("Model:");
  }, 180_000);
});
