import { afterAll, beforeAll, expect, test } from "vitest";
import fc from "fast-check";
import { pino } from "pino";
import { webApi } from "@slack/bolt";
import { compareTs, readThread, toHistory } from "../../src/adapters/slack/history-reader.js";
import { UserDirectory } from "../../src/adapters/slack/user-directory.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

const logger = pino({ level: "silent" });
let slack: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  slack = await startFakeSlack({ maxRepliesPageSize: 2 });
  client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  slack.addChannel({ id: "C1" });
  slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
  slack.addUser({ id: "U2", name: "bob", realName: "Bob Builder" });
  slack.addUser({ id: "U9", name: "otherbot", botId: "B9", isBot: true });
});

afterAll(async () => {
  await slack.close();
});

test("the whole thread is read page by page, oldest first, into named history", async () => {
  const png = slack.addFile("a.png", "image/png", Buffer.from("x"));
  const jpg = slack.addFile("b.jpg", "image/jpeg", Buffer.from("y"));
  const pdf = slack.addFile("c.pdf", "application/pdf", Buffer.from("z"));
  const root = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> first` }).message;
  const thread = { channel: "C1", threadTs: root.ts };
  slack.workspace.post({ ...thread, user: slack.botUserId, botId: slack.botId, text: "answer part 1" });
  slack.workspace.post({ ...thread, user: slack.botUserId, botId: slack.botId, text: "answer part 2" });
  slack.userSays({ ...thread, user: "U2", text: "look at these, <@U1>", files: [png, jpg, pdf] });
  slack.userSays({ ...thread, user: "U9", text: "I am another bot" });
  const answered = slack.userSays({ ...thread, user: "U1", text: `<@${slack.botUserId}> and now?` }).message;
  slack.userSays({ ...thread, user: "U2", text: "too late to count" });

  const messages = await readThread(client, "C1", root.ts, { pageSize: 200 });
  expect(messages).toHaveLength(7);
  expect(slack.callsTo("conversations.replies").length).toBeGreaterThanOrEqual(4);

  let lookups = 0;
  const directory = new UserDirectory(
    {
      users: {
        info: (args: { user: string }) => {
          lookups++;
          return client.users.info(args);
        },
      },
      bots: client.bots,
    } as unknown as ConstructorParameters<typeof UserDirectory>[0],
    logger,
  );
  const { history, answered: found } = await toHistory(messages, answered.ts, {
    botUserId: slack.botUserId,
    botId: slack.botId,
    directory,
  });
  expect(history).toEqual([
    { role: "user", speaker: "Alice", text: "first", imageCount: 0 },
    { role: "assistant", speaker: "", text: "answer part 1\nanswer part 2", imageCount: 0 },
    { role: "user", speaker: "Bob Builder", text: "look at these, @Alice", imageCount: 2 },
    { role: "user", speaker: "otherbot", text: "I am another bot", imageCount: 0, isBot: true },
    { role: "user", speaker: "Alice", text: "and now?", imageCount: 0 },
  ]);
  expect(found?.ts).toBe(answered.ts);
  expect(lookups).toBe(2); // Alice once (cached), Bob once
});

test("Slack timestamps order exactly", () => {
  expect(compareTs("1700000000.000100", "1700000000.000099")).toBeGreaterThan(0);
  expect(compareTs("999999999.999999", "1000000000.000000")).toBeLessThan(0);
  fc.assert(
    fc.property(fc.nat(2_000_000_000), fc.nat(999_999), fc.nat(2_000_000_000), fc.nat(999_999), (s1, f1, s2, f2) => {
      const ts = (s: number, f: number) => `${s}.${String(f).padStart(6, "0")}`;
      const expected = Math.sign(s1 - s2 || f1 - f2);
      return Math.sign(compareTs(ts(s1, f1), ts(s2, f2))) === expected;
    }),
  );
});

test("past the read cap a long thread keeps its root and its newest messages, not its oldest", async () => {
  const root = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> the root question` }).message;
  const thread = { channel: "C1", threadTs: root.ts };
  for (let i = 1; i <= 8; i++) slack.userSays({ ...thread, user: i % 2 ? "U2" : "U1", text: `reply ${i}` });

  const messages = await readThread(client, "C1", root.ts, { pageSize: 2, maxMessages: 4 });
  expect(messages.map((m) => m.text)).toEqual([`<@${slack.botUserId}> the root question`, "reply 6", "reply 7", "reply 8"]);
  // Under the cap nothing is dropped.
  expect((await readThread(client, "C1", root.ts, { pageSize: 2, maxMessages: 9 })).map((m) => m.text)).toHaveLength(9);
});
