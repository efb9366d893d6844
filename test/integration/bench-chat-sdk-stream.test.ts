/**
 * The benchmark's Chat SDK-like peer (bench/strategies/chat-sdk-stream.ts) against the fake Slack, through the
 * real @slack/web-api WebClient and its chatStream(): one stream per answer (start, appends of at least 256
 * characters at line ends, stop), addressed to the asker, ending with the model's exact text; on a 429 the
 * client waits out Retry-After and the answer still ends complete.
 */
import { afterEach, expect, test } from "vitest";
import { webApi } from "@slack/bolt";
import { chatSdkReply } from "../../bench/strategies/chat-sdk-stream.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/server.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import type { ReplyTarget } from "../../src/reply/target.js";

let slack: FakeSlack | undefined;

afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

const ANSWER = Array.from({ length: 40 }, (_, i) => `Line ${i} of the **answer** says something plain.`).join("\n");

async function* deltas(text: string): AsyncIterable<RuntimeEvent> {
  for (const piece of text.match(/\S+\s*/g) ?? []) {
    await new Promise((resolve) => setImmediate(resolve));
    yield { type: "delta", text: piece, messageId: "m1" };
  }
  yield { type: "done", aborted: false };
}

async function setup() {
  slack = await startFakeSlack({ teamId: "T1" });
  slack.addUser({ id: "U1", name: "alice" });
  slack.addChannel({ id: "C1" });
  const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> hello` });
  const client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logLevel: webApi.LogLevel.ERROR });
  const reply = chatSdkReply({ client, channel: "C1", threadTs: message.ts, recipientUserId: "U1", recipientTeamId: "T1" });
  // The peer never uses the product's reply target.
  return { slack, threadTs: message.ts, run: () => reply(deltas(ANSWER), {} as ReplyTarget) };
}

test("streams natively through chatStream: one start, appends of 256+ characters at line ends, one stop", async () => {
  const { slack, threadTs, run } = await setup();
  const outcome = await run();
  expect(outcome.status).toBe("complete");
  const starts = slack.callsTo("chat.startStream");
  expect(starts).toHaveLength(1);
  expect(starts[0]!.params).toMatchObject({ channel: "C1", thread_ts: threadTs, recipient_user_id: "U1", recipient_team_id: "T1" });
  expect(slack.callsTo("chat.stopStream")).toHaveLength(1);
  const pieces = [...starts, ...slack.callsTo("chat.appendStream")].map((c) => {
    const chunks = JSON.parse(c.params.chunks!) as Array<{ type: string; text: string }>;
    return chunks.map((k) => k.text).join("");
  });
  expect(pieces.length).toBeGreaterThan(3);
  for (const piece of pieces) {
    expect(piece.length).toBeGreaterThanOrEqual(256);
    expect(piece.endsWith("\n")).toBe(true);
  }
  const replies = slack.botReplies("C1", threadTs);
  expect(replies).toHaveLength(1);
  expect(replies[0]!.text).toBe(ANSWER);
  expect(outcome.messages).toEqual([{ id: replies[0]!.ts }]);
});

test("a 429 pauses the client for Retry-After, then the stream goes on and ends complete", async () => {
  const { slack, threadTs, run } = await setup();
  // Slack refuses appends for a moment: the WebClient waits out the Retry-After (1 s) and tries again.
  let blocked = false;
  slack.on("change", () => {
    if (!blocked && slack.callsTo("chat.startStream").length === 1) {
      blocked = true;
      slack.methodLimiters.get("chat.appendStream")!.block("T1", 800);
    }
  });
  const outcome = await run();
  expect(outcome.status).toBe("complete");
  expect(slack.callCounts.get("chat.appendStream")!.rateLimited).toBeGreaterThan(0);
  expect(slack.botReplies("C1", threadTs)[0]!.text).toBe(ANSWER);
});
