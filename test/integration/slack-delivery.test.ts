/**
 * End to end, the delivery guarantees: Slack's redeliveries never produce a second answer (also after a restart),
 * long answers arrive whole over several messages, and a rate-limited chat.update still ends complete.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";
import { markdownToMrkdwn } from "../../src/adapters/slack/markdown.js";

let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  h = await startSlackHarness({ fakeSlack: { updateLimit: { calls: 10, perMs: 1_000 } } });
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
});

/** What a reader sees: all the bot's messages in the thread, joined; whitespace and code fences aside. */
function readable(text: string): string {
  return text.replace(/```/g, "").replace(/\s+/g, "");
}

test("the same event delivered three times gives one answer and one model request, also after a restart", async () => {
  h.model.script({ text: "Answered exactly once.", paceMs: 20 });
  const before = h.model.requests.length;
  const handledBefore = h.logs.filter((l) => l.msg === "Slack message already handled; not answering again").length;
  const { message, mentionEventId } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} once please` });
  // Slack thinks the ack was lost: same event_id, retry_attempt 1 and 2.
  h.slack.redeliver(mentionEventId!, 1);
  h.slack.redeliver(mentionEventId!, 2);
  // The app_mention answers; its 2 retries are recognised as handled (the message event leaves mentions to it).
  await h.waitForLog("Slack message already handled; not answering again", handledBefore + 2);
  await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts).some((m) => m.text === "Answered exactly once."));
  await h.adapter.whenIdle();

  // A restart: a new Bolt app on the same store gets the last retry.
  await h.adapter.stop(1_000);
  const restarted = await h.startAnotherAdapter();
  // Only the new app is connected, so the retry surely reaches it.
  await h.slack.waitFor(() => h.slack.socketConnections === 1, 30_000, "the old connection to close");
  h.slack.redeliver(mentionEventId!, 3);
  await h.waitForLog("Slack message already handled; not answering again", handledBefore + 3);
  await restarted.whenIdle();

  expect(h.slack.deliveries.filter((d) => d.eventId === mentionEventId).map((d) => d.retryAttempt)).toEqual([0, 1, 2, 3]);
  expect(h.model.requests.length).toBe(before + 1);
  expect(h.slack.botReplies("C1", message.ts)).toHaveLength(1);
  h.adapter = restarted;
});

test("a 9,000-character answer with code blocks arrives whole, in several messages, none rejected", async () => {
  const parts: string[] = [];
  for (let i = 0; parts.join("\n\n").length < 9_000; i++) {
    parts.push(`Step ${i}: the **function** below handles case ${i} and explains why it matters for the reader.`);
    parts.push(`\`\`\`ts\n${Array.from({ length: 8 }, (_, j) => `const value${i}_${j} = compute(${i}, ${j}); // line ${j}`).join("\n")}\n\`\`\``);
  }
  const answer = parts.join("\n\n");
  expect(answer.length).toBeGreaterThanOrEqual(9_000);
  h.model.script({ text: answer, chunk: { size: 400, unit: "chars" }, paceMs: 5 });
  const { message } = h.slack.userSays({ channel: "C1", user: "U2", text: `${mention} write a long program` });
  const expected = readable(markdownToMrkdwn(answer));

  const replies = await h.slack.waitFor(() => {
    const mine = h.slack.botReplies("C1", message.ts);
    return readable(mine.map((m) => m.text).join("\n")) === expected ? mine : undefined;
  }, 45_000, "the whole 9,000-character answer");
  await h.adapter.whenIdle();

  expect(replies.length).toBeGreaterThanOrEqual(3);
  for (const reply of replies) expect(reply.text.length).toBeLessThanOrEqual(4_000);
  // Every message with a code block shows balanced fences: a split code block is closed and reopened.
  for (const reply of replies) expect((reply.text.match(/```/g) ?? []).length % 2).toBe(0);
  const chatCalls = h.slack.calls.filter((c) => c.method.startsWith("chat."));
  expect(chatCalls.filter((c) => c.error === "msg_too_long")).toEqual([]);
});

test("chat.update rate-limited for a while: the final text is still complete", async () => {
  // Streams for about 4 s, so the answer is still growing when the limit starts.
  const words = Array.from({ length: 200 }, (_, i) => `token${i}`);
  const answer = words.join(" ");
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 40 });
  const limitedBefore = h.slack.calls.filter((c) => c.method === "chat.update" && c.status === 429).length;
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} stream while limited` });
  // As soon as the first words show, Slack starts refusing chat.update for a while.
  await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts)[0]?.edits.some((t) => t.includes("token0")));
  h.slack.updateLimiter.block("*", 2_000);

  const [reply] = await h.slack.waitFor(() => {
    const mine = h.slack.botReplies("C1", message.ts);
    return mine[0]?.text === answer ? mine : undefined;
  }, 30_000, "the complete answer after the rate limit");
  await h.adapter.whenIdle();
  expect(reply!.edits.at(-1)).toBe(answer);
  const limited = h.slack.calls.filter((c) => c.method === "chat.update" && c.status === 429).length - limitedBefore;
  expect(limited).toBeGreaterThanOrEqual(1);
});

test("reports its Socket Mode connection for health checks, through a reconnect and a stop", async () => {
  const adapter = await h.startAnotherAdapter();
  expect(adapter.isConnected()).toBe(true);
  // Slack asks every client to reconnect: the socket comes back by itself, and the state says so.
  h.slack.disconnectSockets();
  await h.slack.waitFor(() => adapter.isConnected());
  await adapter.stop(100);
  expect(adapter.isConnected()).toBe(false);
});
