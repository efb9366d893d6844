/**
 * The fakes' file uploads against what the platforms document, through the real clients: Slack's upload flow
 * (required arguments, the scope, Tier 4 per method, a file completed only once its bytes arrived, the file
 * shared as the bot's message in the thread) through @slack/web-api's files.uploadV2; Discord's Create Message
 * with files (multipart with payload_json, a message of files only, 10 MiB per file, Attach Files) through
 * discord.js's REST.
 */
import { REST } from "discord.js";
import { webApi } from "@slack/bolt";
import { afterEach, describe, expect, test } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from "../support/fake-slack/index.js";

describe("fake Slack uploads", () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  let rootTs: string;
  async function start(options: FakeSlackOptions = {}): Promise<void> {
    slack = await startFakeSlack(options);
    slack.addChannel({ id: "C1" });
    slack.addUser({ id: "U1", name: "alice" });
    rootTs = slack.userSays({ channel: "C1", user: "U1", text: "question" }).message.ts;
    client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  }
  afterEach(async () => slack?.close());

  test("files.uploadV2 shares the file as the bot's message in the thread", async () => {
    await start();
    await client.filesUploadV2({ channel_id: "C1", thread_ts: rootTs, file: Buffer.from("print(1)\n"), filename: "snippet.py", title: "snippet.py" });
    expect(slack.sharedFiles).toHaveLength(1);
    expect(slack.sharedFiles[0]).toMatchObject({ channel: "C1", threadTs: rootTs, title: "snippet.py" });
    expect(slack.sharedFiles[0]!.file.data.toString()).toBe("print(1)\n");
    const reply = slack.botReplies("C1", rootTs).at(-1)!;
    expect(reply.files.map((f) => f.name)).toEqual(["snippet.py"]);
    expect(slack.callsTo("files.getUploadURLExternal")[0]!.params).toMatchObject({ filename: "snippet.py", length: "9" });
  });

  test("required arguments, the scope, the order of the steps and the tier are Slack's", async () => {
    await start({ methodLimits: { "files.getUploadURLExternal": { calls: 3, perMs: 60_000 } } });
    const error = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string; data?: { error?: string } }) => e.data?.error ?? e.code);
    expect(await error(client.files.getUploadURLExternal({ filename: "a.txt" } as never))).toBe("invalid_arguments");
    expect(await error(client.files.getUploadURLExternal({ filename: "a.txt", length: 0 }))).toBe("missing_argument");
    const { file_id } = await client.files.getUploadURLExternal({ filename: "a.txt", length: 3 });
    // Its bytes never arrived: it cannot be completed.
    expect(await error(client.files.completeUploadExternal({ files: [{ id: file_id! }], channel_id: "C1" }))).toBe("file_not_found");
    expect(await error(client.files.completeUploadExternal({ files: [] as never }))).toBe("invalid_arguments");
    // Every call counts against the method's tier, refused ones too.
    expect(await error(client.files.getUploadURLExternal({ filename: "b.txt", length: 3 }))).toBe("slack_webapi_rate_limited_error");
    slack.scopes.delete("files:write");
    expect(await error(client.files.completeUploadExternal({ files: [{ id: "F1" }] }))).toBe("missing_scope");
  });
});

describe("fake Discord messages with files", () => {
  let discord: FakeDiscord;
  afterEach(async () => discord?.close());

  async function world() {
    discord = await startFakeDiscord();
    const guild = discord.model.createGuild({ name: "g" });
    const channel = discord.model.createTextChannel(guild.id, "c");
    const rest = new REST({ api: discord.apiUrl, retries: 0 }).setToken(discord.token);
    return { channel, rest };
  }
  const send = (rest: REST, channelId: string, data: Buffer, body: Record<string, unknown> = {}) =>
    rest.post(`/channels/${channelId}/messages`, { body, files: [{ name: "snippet.ts", data }] }).then(
      () => "ok",
      (e: { status?: number; code?: number }) => `${e.status}/${e.code}`,
    );

  test("a multipart message of files only is posted with its attachment", async () => {
    const { channel, rest } = await world();
    expect(await send(rest, channel.id, Buffer.from("const a = 1;\n"))).toBe("ok");
    const message = discord.botMessages(channel.id).at(-1)!;
    expect(message.content).toBe("");
    expect(message.attachments.map((a) => [a.filename, a.data.toString()])).toEqual([["snippet.ts", "const a = 1;\n"]]);
  });

  test("over 10 MiB, or without Attach Files, Discord refuses", async () => {
    const { channel, rest } = await world();
    expect(await send(rest, channel.id, Buffer.alloc(10 * 1024 * 1024 + 1, "a"))).toBe("413/40005");
    discord.model.attachFilesDenied.add(channel.id);
    expect(await send(rest, channel.id, Buffer.from("x"))).toBe("403/50013");
    // A message without files still goes through there.
    await rest.post(`/channels/${channel.id}/messages`, { body: { content: "plain" } });
    expect(discord.botMessages(channel.id).at(-1)!.content).toBe("plain");
  });
});
