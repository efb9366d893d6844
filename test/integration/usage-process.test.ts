/**
 * Usage and its limits in the real bot process (Slack and Discord at once, the default SQLite store), against the
 * fake model reporting usage the way the Copilot API does (`usage` in the stream's last chunk, cost as
 * `copilot_usage`): the usage metrics on /metrics move by exactly what the model reported, per platform and
 * workspace; a per-answer credit limit stops an answer with one sentence before its next model call; once a
 * workspace's daily budget is spent its next question gets one sentence and no model call, while another
 * workspace (a Discord server) still gets answers; `/copilot usage` and `/usage` show the day's figures.
 * (The UTC day rolling over is a unit test of the day key: test/unit/usage.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotProcess, counterValue, getOps, waitUntil } from "../support/bot-process.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { DEFAULT_FALLBACK_TEXT, startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

describe("usage and cost in the running bot", () => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let model: FakeModel;
  let bot: BotProcess | undefined;
  let guildId: string;
  let channelId: string;
  let personId: string;

  beforeAll(async () => {
    [slack, discord, model] = await Promise.all([startFakeSlack(), startFakeDiscord(), startFakeModel()]);
    slack.addChannel({ id: "C1", name: "general" });
    slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
    const person = discord.model.createUser({ username: "bob" });
    const guild = discord.model.createGuild({ name: "Team", ownerId: person.id });
    discord.model.addMember(guild.id, person.id);
    guildId = guild.id;
    personId = person.id;
    channelId = discord.model.createTextChannel(guild.id, "general").id;
    bot = await BotProcess.start({
      name: "usage-bot",
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: slack.appToken,
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        COPILOT_PROVIDER_BASE_URL: model.url,
        COPILOT_PROVIDER_API_KEY: "fake-key",
        COPILOT_MODEL: "fake-model",
        COPILOT_RETRY_ATTEMPTS: "1",
        HEALTH_PORT: "0",
        USER_RATE_LIMIT: "0",
        MAX_CREDITS_PER_ANSWER: "30",
        DAILY_CREDITS_PER_WORKSPACE: "100",
      },
    });
    await slack.waitForSocket(1);
  });

  afterAll(async () => {
    await bot?.kill();
    bot?.cleanup();
    await Promise.all([slack?.close(), discord?.close(), model?.close()]);
  });

  const metric = async (name: string, labels: Record<string, string>) =>
    counterValue((await getOps(bot!.healthPort, "/metrics")).body, name, labels);

  /** Polls /metrics until the counter reads `value` (it moves as the usage event arrives, before the reply ends). */
  async function expectMetric(name: string, labels: Record<string, string>, value: number): Promise<void> {
    let last = Number.NaN;
    await waitUntil(
      async () => {
        last = await metric(name, labels);
        return last === value;
      },
      20_000,
      `${name}${JSON.stringify(labels)} to read ${value}`,
      () => `it reads ${last}`,
    );
  }

  /** Mentions the bot in a new thread and resolves with its reply once `done` holds for it. */
  async function askSlack(text: string, done: (reply: string) => boolean): Promise<string> {
    const posted = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> ${text}` });
    const reply = () => slack.botReplies("C1", posted.message.ts).map((m) => m.text).join("\n");
    await slack.waitFor(() => done(reply()), 30_000, `the reply to "${text}"`);
    return reply();
  }

  it("counts the model's reported tokens and credits on /metrics, by platform and workspace", async () => {
    model.script({ text: "Counted.", usage: { promptTokens: 1200, completionTokens: 80, cachedTokens: 300, credits: 12 } });
    const posted = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> count me` });
    await slack.waitFor(() => slack.botReplies("C1", posted.message.ts).some((m) => m.text.includes("Counted.")), 30_000, "the answer");
    const workspace = slack.teamId;
    await expectMetric("threadpilot_model_tokens_total", { platform: "slack", workspace, type: "input" }, 1200);
    expect(await metric("threadpilot_model_tokens_total", { platform: "slack", workspace, type: "output" })).toBe(80);
    expect(await metric("threadpilot_model_tokens_total", { platform: "slack", workspace, type: "cached_input" })).toBe(300);
    expect(await metric("threadpilot_model_credits_total", { platform: "slack", workspace })).toBe(12);
    expect(await metric("threadpilot_model_tokens_total", { platform: "discord", workspace: guildId, type: "input" })).toBe(0);
  });

  it("stops an answer at the per-answer limit with one sentence, before its next model call", async () => {
    const before = model.requests.length;
    // Only the first call is scripted: a second one would get the fake's fallback text.
    model.script({
      text: "Let me read the thread. ",
      toolCalls: [{ name: "read_thread", arguments: {} }],
      usage: { promptTokens: 500, completionTokens: 20, credits: 40 },
    });
    const reply = await askSlack("something expensive", (text) => text.includes("AI credits"));
    expect(reply).toContain("Let me read the thread.");
    expect(reply).toContain("Stopped: this answer reached its limit of 30 AI credits; the next question starts with a fresh allowance.");
    expect(reply).not.toContain(DEFAULT_FALLBACK_TEXT);
    expect(model.requests.length - before).toBe(1);
    await expectMetric("threadpilot_usage_limit_reached_total", { platform: "slack", limit: "answer" }, 1);
    expect(await metric("threadpilot_model_credits_total", { platform: "slack", workspace: slack.teamId })).toBe(52);
  });

  it("shows the workspace's day on /copilot usage", async () => {
    const before = slack.responses.length;
    const requests = model.requests.length;
    slack.runSlashCommand({ command: "/copilot", text: "usage", user: "U1", channel: "C1" });
    await slack.waitFor(() => slack.responses.length > before, 15_000, "the usage reply");
    const body = slack.responses.at(-1)!.body as { text?: string; response_type?: string };
    expect(body.response_type).toBe("ephemeral");
    const day = new Date().toISOString().slice(0, 10);
    expect(body.text).toContain(
      `Usage here today (${day}, UTC): 52 of the 100 AI credits of the daily budget (48 left), over 1,700 input tokens (300 of them cached) and 100 output tokens.`,
    );
    expect(body.text).toContain("Each answer may use at most 30 AI credits.");
    // Not a question: the model was not asked.
    expect(model.requests.length).toBe(requests);
  });

  it("refuses the question after the daily budget is spent with one sentence and no model call", async () => {
    model.script({ text: "A big answer.", usage: { promptTokens: 10, completionTokens: 10, credits: 60 } });
    await askSlack("one more big one", (text) => text.includes("A big answer."));
    await expectMetric("threadpilot_model_credits_total", { platform: "slack", workspace: slack.teamId }, 112);
    const before = model.requests.length;
    const reply = await askSlack("and another", (text) => text.includes("daily budget"));
    expect(reply).toMatch(/^Sorry, the daily budget of 100 AI credits here is used up \(112 used today\); it resets at 00:00 UTC, in (\d+ h( \d+ min)?|\d+ min|under a minute)\.$/);
    expect(model.requests.length).toBe(before);
    await expectMetric("threadpilot_usage_limit_reached_total", { platform: "slack", limit: "daily" }, 1);
  });

  it("keeps a Discord server's own budget, counts its usage apart, and shows it on /usage", async () => {
    model.script({ text: "Answered on Discord.", usage: { promptTokens: 70, completionTokens: 7, credits: 5 } });
    discord.say({ channelId, authorId: personId, content: `<@${discord.model.botUser.id}> hello` });
    await discord.waitFor(() => discord.botMessages(channelId).some((m) => m.content === "Answered on Discord."), 30_000, "the answer");
    await expectMetric("threadpilot_model_tokens_total", { platform: "discord", workspace: guildId, type: "input" }, 70);
    expect(await metric("threadpilot_model_credits_total", { platform: "discord", workspace: guildId })).toBe(5);

    // Registered with the others at start, in one overwrite (only when the list changed).
    expect(discord.commands.list("global").map((c) => c.name)).toContain("usage");
    expect(discord.commands.overwrites).toHaveLength(1);
    const interaction = discord.slashCommand({ channelId, userId: personId, name: "usage" });
    // An ephemeral reply is in no channel's history: the fake keeps it on the interaction, for the asker only.
    const reply = () => interaction.ephemeral.find((m) => m.interaction?.id === interaction.id);
    await discord.waitFor(() => (reply()?.content ?? "").includes("Usage here today"), 15_000, "the /usage reply");
    expect(reply()!.flags & 64).toBe(64); // ephemeral: only the asker sees it
    expect(discord.botMessages(channelId).some((m) => m.interaction?.id === interaction.id)).toBe(false);
    expect(reply()!.content).toContain("5 of the 100 AI credits of the daily budget (95 left), over 70 input tokens and 7 output tokens.");
  });
});
