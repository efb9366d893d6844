/**
 * Files in and out, end to end: the real bot process (`node dist/main.js`) on the fake Slack and the fake Discord
 * at once, with the real Copilot runtime on the fake model.
 * - In: a text file posted earlier in the conversation reaches the model (the fake model sees its content in the
 *   request); a binary named .txt is left out and the notice says so.
 * - Out: a long code block arrives as a file on both fakes (Slack's upload flow, Discord's multipart message) and
 *   the answer shows its head and a pointer; when the platform refuses the upload (Slack without `files:write`,
 *   Discord without Attach Files) the whole code stays in the answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BotProcess, botEnvironment } from "../support/bot-process.js";
import { lastUserText, startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

const MIN_LINES = 30;
const HEAD_LINES = 5;
/** Bytes that claim to be text but are a PNG header (with NULs): not text by their content. */
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
const LOG = "2026-11-26 10:00:01 INFO start\n2026-11-26 10:00:02 ERROR disk /dev/sda1 full (errno 28)\n";

const code = Array.from({ length: 40 }, (_, i) => `const line${i + 1} = ${i + 1};`).join("\n");
const CODE_ANSWER = `Here is the module:\n\n\`\`\`typescript\n${code}\n\`\`\`\n\nRun it with node.`;

let slack: FakeSlack;
let discord: FakeDiscord;
let model: FakeModel;
let bot: BotProcess;
let discordChannel: string;
let discordPerson: string;

beforeAll(async () => {
  [slack, discord, model] = await Promise.all([startFakeSlack(), startFakeDiscord(), startFakeModel()]);
  slack.addChannel({ id: "C1", name: "general" });
  slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
  const world = discord.model;
  const person = world.createUser({ username: "alice" });
  const guild = world.createGuild({ name: "Team", ownerId: person.id });
  world.addMember(guild.id, person.id);
  discordChannel = world.createTextChannel(guild.id, "general").id;
  discordPerson = person.id;
  bot = await BotProcess.start({
    name: "files",
    env: botEnvironment({
      slackApiUrl: slack.apiUrl,
      botToken: slack.botToken,
      appToken: slack.appToken,
      modelUrl: model.url,
      storeUrl: "memory://",
      extra: {
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        CODE_FILE_MIN_LINES: String(MIN_LINES),
        CODE_FILE_HEAD_LINES: String(HEAD_LINES),
      },
    }),
    readyTimeoutMs: 90_000,
  });
}, 120_000);

afterAll(async () => {
  await bot?.kill();
  bot?.cleanup();
  await Promise.all([slack?.close(), discord?.close(), model?.close()]);
});

/** The request the model got whose prompt contains `marker`. */
function requestWith(marker: string) {
  return model.requests.find((r) => lastUserText(r.body).includes(marker));
}

describe("Slack", () => {
  test("a text file earlier in the thread reaches the model; a binary named .txt is left out and said", async () => {
    const log = slack.addFile("build.log", "text/plain", Buffer.from(LOG));
    const root = slack.userSays({ channel: "C1", user: "U1", text: "here is last night's build log", files: [log] }).message;
    const disguised = slack.addFile("notes.txt", "text/plain", PNG_BYTES);
    model.script({ text: "The disk is full." });
    const asked = slack.userSays({
      channel: "C1",
      user: "U1",
      threadTs: root.ts,
      text: `<@${slack.botUserId}> slack-files-in: why did the build fail?`,
      files: [disguised],
    }).message;
    await slack.waitFor(() => slack.botReplies("C1", root.ts).some((m) => m.text.includes("The disk is full.")), 60_000, "the answer");

    const prompt = lastUserText(requestWith("slack-files-in")!.body);
    expect(prompt).toContain('name="build.log"');
    expect(prompt).toContain("ERROR disk /dev/sda1 full (errno 28)");
    expect(prompt).not.toContain("notes.txt");
    const notice = slack.botReplies("C1", root.ts).find((m) => m.text.includes("couldn't read"));
    expect(notice?.text).toContain("1 file that is not text");
    expect(asked.ts).toBeTruthy();
  });

  test("a long code block arrives as a file and the answer keeps its head", async () => {
    model.script({ text: CODE_ANSWER });
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> slack-code-out: write the module` });
    const shared = await slack.waitFor(() => slack.sharedFiles.find((f) => f.threadTs === message.ts), 60_000, "the shared file");
    expect(shared.file.name).toBe("snippet.ts");
    expect(shared.file.data.toString("utf8")).toBe(`${code}\n`);
    const answer = await slack.waitFor(
      () => slack.botReplies("C1", message.ts).find((m) => m.text.includes("snippet.ts")),
      30_000,
      "the answer cut to its head",
    );
    expect(answer.text).toContain(`const line${HEAD_LINES} = ${HEAD_LINES};`);
    expect(answer.text).not.toContain(`const line${HEAD_LINES + 1} =`);
    expect(answer.text).toContain("35 more lines");
    expect(answer.text).toContain("Run it with node.");
    // The cut replaced the message's blocks: its 👍/👎 came back with it.
    expect(JSON.stringify(answer.blocks ?? [])).toContain('"type":"feedback_buttons"');
    // The file is a message of the bot's in the thread, after the answer.
    expect(slack.botReplies("C1", message.ts).at(-1)!.files.map((f) => f.name)).toEqual(["snippet.ts"]);
  });

  test("when Slack refuses the upload, the whole code stays in the answer", async () => {
    slack.scopes.delete("files:write");
    const before = slack.sharedFiles.length;
    const from = bot.logs.length;
    model.script({ text: CODE_ANSWER });
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> slack-code-refused: write it` });
    await bot.waitForLog((l) => l.msg === "Could not share a long code block as a file; it stays whole in the chat", 60_000, "the refused upload", from);
    const texts = slack.botReplies("C1", message.ts).map((m) => m.text).join("\n");
    expect(texts).toContain("const line40 = 40;");
    expect(texts).not.toContain("more lines");
    expect(slack.sharedFiles.length).toBe(before);
    slack.scopes.add("files:write");
  });
});

describe("Discord", () => {
  const mention = () => `<@${discord.model.botUser.id}>`;

  test("a text file earlier in the channel reaches the model; a binary named .txt is left out and said", async () => {
    discord.say({
      channelId: discordChannel,
      authorId: discordPerson,
      content: "here is last night's build log",
      attachments: [{ filename: "build.log", contentType: "text/plain", data: Buffer.from(LOG) }],
    });
    model.script({ text: "The disk is full, again." });
    discord.say({
      channelId: discordChannel,
      authorId: discordPerson,
      content: `${mention()} discord-files-in: why did the build fail?`,
      attachments: [{ filename: "notes.txt", contentType: "text/plain; charset=utf-8", data: PNG_BYTES }],
    });
    await discord.waitFor(() => discord.botMessages(discordChannel).some((m) => m.content.includes("The disk is full, again.")), 60_000, "the answer");

    const prompt = lastUserText(requestWith("discord-files-in")!.body);
    expect(prompt).toContain('name="build.log"');
    expect(prompt).toContain("ERROR disk /dev/sda1 full (errno 28)");
    expect(prompt).not.toContain("notes.txt");
    const notice = discord.botMessages(discordChannel).find((m) => m.content.includes("couldn't read"));
    expect(notice?.content).toContain("1 file that is not text");
  });

  test("a long code block arrives as an attachment and the answer keeps its head", async () => {
    model.script({ text: CODE_ANSWER });
    discord.say({ channelId: discordChannel, authorId: discordPerson, content: `${mention()} discord-code-out: write the module` });
    const withFile = () => discord.botMessages(discordChannel).find((m) => m.attachments.some((a) => a.filename === "snippet.ts"));
    await discord.waitFor(() => withFile() !== undefined, 60_000, "the file message");
    expect(withFile()!.attachments[0]!.data.toString("utf8")).toBe(`${code}\n`);
    await discord.waitFor(
      () => discord.botMessages(discordChannel).some((m) => m.content.includes("snippet.ts")),
      30_000,
      "the answer cut to its head",
    );
    const answer = discord.botMessages(discordChannel).find((m) => m.content.includes("snippet.ts"))!;
    expect(answer.content).toContain(`const line${HEAD_LINES} = ${HEAD_LINES};`);
    expect(answer.content).not.toContain(`const line${HEAD_LINES + 1} =`);
    expect(answer.content).toContain("Run it with node.");
    // The answer streamed with the whole code first: the file came before any of it left the chat.
    expect(answer.contents.some((c) => c.includes("const line40 = 40;"))).toBe(true);
  });

  test("a /ask answer shares its long code block as a file too", async () => {
    model.script({ text: CODE_ANSWER.replace("Here is the module", "Here is discord-ask-code") });
    const filesBefore = discord.botMessages(discordChannel).filter((m) => m.attachments.length > 0).length;
    const interaction = discord.slashCommand({ channelId: discordChannel, userId: discordPerson, name: "ask", options: { question: "write the module" } });
    const reply = () => discord.botMessages(discordChannel).find((m) => m.interaction?.id === interaction.id);
    await discord.waitFor(() => reply()?.content.includes("snippet.ts") === true, 45_000, "the /ask reply cut to its head");
    expect(reply()!.content).toContain("Here is discord-ask-code");
    expect(reply()!.content).toContain(`const line${HEAD_LINES} = ${HEAD_LINES};`);
    expect(reply()!.content).not.toContain(`const line${HEAD_LINES + 1} =`);
    const files = discord.botMessages(discordChannel).filter((m) => m.attachments.length > 0);
    expect(files.length).toBe(filesBefore + 1);
    expect(files.at(-1)!.attachments[0]!.filename).toBe("snippet.ts");
    expect(files.at(-1)!.attachments[0]!.data.toString("utf8")).toBe(`${code}\n`);
  });

  test("without Attach Files, the whole code stays in the answer", async () => {
    discord.model.attachFilesDenied.add(discordChannel);
    const from = bot.logs.length;
    const filesBefore = discord.botMessages(discordChannel).filter((m) => m.attachments.length > 0).length;
    model.script({ text: CODE_ANSWER.replace("Here is the module", "Here is discord-code-refused") });
    discord.say({ channelId: discordChannel, authorId: discordPerson, content: `${mention()} discord-code-refused: write it` });
    await bot.waitForLog((l) => l.msg === "Could not share a long code block as a file; it stays whole in the chat", 60_000, "the refused upload", from);
    const answer = discord.botMessages(discordChannel).find((m) => m.content.includes("Here is discord-code-refused"))!;
    expect(answer.content).toContain("const line40 = 40;");
    expect(answer.content).not.toContain("more lines");
    expect(discord.botMessages(discordChannel).filter((m) => m.attachments.length > 0).length).toBe(filesBefore);
    discord.model.attachFilesDenied.delete(discordChannel);
  });
});
