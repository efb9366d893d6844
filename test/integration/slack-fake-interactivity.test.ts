/**
 * The fake Slack's interactive surfaces against the real Bolt, in Socket Mode and HTTP mode: a button press
 * (`block_actions`, feedback buttons included), a message shortcut and a slash command arrive with Slack's
 * payload shapes, the ack is timed against the 3 s deadline, and a slash command's ack can carry a response.
 */
import { afterEach, describe, expect, test } from "vitest";
import { App, LogLevel } from "@slack/bolt";
import { ackedInTime, startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

let slack: FakeSlack;
let app: App;
let seenNow: Record<string, Array<Record<string, any>>> = {};

afterEach(async () => {
  await app?.stop().catch(() => {});
  await slack?.close();
});

async function startApp(mode: "socket" | "http"): Promise<void> {
  slack = await startFakeSlack();
  slack.addChannel({ id: "C1", name: "general" });
  slack.addUser({ id: "U1", name: "alice" });
  const clientOptions = { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } };
  app =
    mode === "socket"
      ? new App({
          token: slack.botToken,
          appToken: slack.appToken,
          socketMode: true,
          clientOptions,
          logLevel: LogLevel.ERROR,
        })
      : new App({ token: slack.botToken, signingSecret: slack.signingSecret, clientOptions, logLevel: LogLevel.ERROR });
  const seen: typeof seenNow = { actions: [], shortcuts: [], commands: [] };
  seenNow = seen;
  app.action("stop_answer", async ({ ack, body }) => {
    await ack();
    seen.actions!.push(body);
  });
  app.action("answer_feedback", async ({ ack, body }) => {
    await ack();
    seen.actions!.push(body);
  });
  app.shortcut("ask_copilot_thread", async ({ ack, body }) => {
    await ack();
    seen.shortcuts!.push(body);
  });
  app.command("/copilot", async ({ ack, command }) => {
    await ack({ response_type: "ephemeral", text: `Asking: ${command.text}` });
    seen.commands!.push(command);
  });
  if (mode === "socket") {
    await app.start();
    await slack.waitForSocket(1);
  } else {
    const server = (await app.start(0)) as unknown as { address(): { port: number } };
    slack.eventsUrl = `http://127.0.0.1:${server.address().port}/slack/events`;
  }
}

const seen = () => seenNow;

describe.each(["socket", "http"] as const)("%s mode", (mode) => {
  test("buttons, the message shortcut and the slash command reach Bolt and are acked within 3 s", async () => {
    await startApp(mode);
    const root = slack.userSays({ channel: "C1", user: "U1", text: "question" }).message;
    const client = app.client;
    const posted = await client.chat.postMessage({
      channel: "C1",
      thread_ts: root.ts,
      text: "answer",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "answer" } },
        {
          type: "actions",
          block_id: "controls",
          elements: [
            { type: "button", action_id: "stop_answer", value: "stop", text: { type: "plain_text", text: "Stop" } },
          ],
        },
        {
          type: "context_actions",
          block_id: "feedback",
          elements: [
            {
              type: "feedback_buttons",
              action_id: "answer_feedback",
              positive_button: { text: { type: "plain_text", text: "👍" }, value: "good" },
              negative_button: { text: { type: "plain_text", text: "👎" }, value: "bad" },
            },
          ],
        },
      ],
    });
    const press = slack.pressButton({ channel: "C1", ts: posted.ts!, user: "U1", actionId: "stop_answer" });
    const feedback = slack.pressButton({
      channel: "C1",
      ts: posted.ts!,
      user: "U1",
      actionId: "answer_feedback",
      choice: "negative",
    });
    const shortcut = slack.useMessageShortcut({
      channel: "C1",
      ts: root.ts,
      user: "U1",
      callbackId: "ask_copilot_thread",
    });
    const command = slack.runSlashCommand({ command: "/copilot", text: "what is up?", user: "U1", channel: "C1" });
    await slack.waitFor(
      () => [press, feedback, shortcut, command].every((d) => d.ackedAt !== undefined),
      20_000,
      "acks",
    );
    for (const delivery of [press, feedback, shortcut, command])
      expect(ackedInTime(delivery), delivery.what).toBe(true);
    expect(command.ackBody).toMatchObject({ text: "Asking: what is up?" });

    const [stop, vote] = seen().actions!;
    expect(stop).toMatchObject({
      type: "block_actions",
      user: { id: "U1" },
      container: { message_ts: posted.ts, channel_id: "C1", thread_ts: root.ts },
      actions: [{ action_id: "stop_answer", value: "stop", type: "button", block_id: "controls" }],
    });
    expect(vote).toMatchObject({ actions: [{ action_id: "answer_feedback", value: "bad", type: "feedback_buttons" }] });
    expect(seen().shortcuts![0]).toMatchObject({
      type: "message_action",
      callback_id: "ask_copilot_thread",
      message: { ts: root.ts, text: "question" },
    });
    expect(seen().commands![0]).toMatchObject({
      command: "/copilot",
      text: "what is up?",
      channel_id: "C1",
      user_id: "U1",
    });
  });
});

test("a button the message does not show cannot be pressed", async () => {
  await startApp("socket");
  const root = slack.userSays({ channel: "C1", user: "U1", text: "question" }).message;
  expect(() => slack.pressButton({ channel: "C1", ts: root.ts, user: "U1", actionId: "stop_answer" })).toThrow(
    /shows no element/,
  );
});

test("an interaction nobody acks is not counted as acked", async () => {
  await startApp("socket");
  const root = slack.userSays({ channel: "C1", user: "U1", text: "question" }).message;
  await app.client.chat.postMessage({
    channel: "C1",
    thread_ts: root.ts,
    text: "x",
    blocks: [
      {
        type: "actions",
        elements: [{ type: "button", action_id: "nobody_listens", text: { type: "plain_text", text: "?" } }],
      },
    ],
  });
  const reply = slack.botReplies("C1", root.ts)[0]!;
  const delivery = slack.pressButton({ channel: "C1", ts: reply.ts, user: "U1", actionId: "nobody_listens" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Bolt acks unhandled actions itself only after its own timeout; within 300 ms nothing did.
  expect(ackedInTime(delivery) && delivery.ackedAt! - delivery.sentAt < 300).toBe(false);
});
