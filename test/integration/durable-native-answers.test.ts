/**
 * A natively streamed Slack answer cut short by a crash (SIGKILL), with the real bot process on a SQLite store:
 * the next start stops the stream the dead process left open (Slack would refuse chat.update on it until it
 * lapses, ~5 minutes), marks it "Interrupted", removes its Stop button's message, and answers the question again,
 * once. Nothing here asserts how long anything took: the waits are generous bounds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { BotProcess, botEnvironment } from "../support/bot-process.js";
import { lastUserText, startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

/** Lines, because a native stream shows only settled (whole) lines. */
const ANSWER = ["alpha bravo", "charlie delta", "echo foxtrot", "golf hotel", "india juliet", "kilo lima", "mike november", "oscar papa"].join(
  "\n",
);
const LOCK_TTL_MS = 3_000;
const INTERRUPTED = /Interrupted: the bot restarted\. Answering again below\./;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function startBot(name: string, slack: FakeSlack, model: FakeModel, cwd: string): Promise<BotProcess> {
  const bot = await BotProcess.start({
    name,
    cwd,
    env: botEnvironment({
      slackApiUrl: slack.apiUrl,
      botToken: slack.botToken,
      appToken: slack.appToken,
      modelUrl: model.url,
      storeUrl: "sqlite://./data/state.sqlite",
      extra: { THREAD_LOCK_TTL_MS: String(LOCK_TTL_MS), SLACK_NATIVE_STREAMING: "true" },
    }),
  });
  cleanups.push(() => bot.kill());
  return bot;
}

it("a bot killed mid native stream is followed by one that closes the stale stream, marks it and answers again", async () => {
  const [slack, model] = await Promise.all([startFakeSlack(), startFakeModel()]);
  cleanups.push(() => slack.close(), () => model.close());
  slack.addChannel({ id: "C1", name: "general" });
  slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
  const cwd = mkdtempSync(join(tmpdir(), "threadpilot-durable-native-"));
  cleanups.push(async () => rmSync(cwd, { recursive: true, force: true }));
  // Paced so it is certainly mid-stream when the process dies; the second answer comes at once.
  model.script({ text: ANSWER, paceMs: 400 });
  model.setFallback({ text: ANSWER });
  const first = await startBot("native-a", slack, model, cwd);
  await slack.waitForSocket(1);

  const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> the phonetic alphabet please` });
  const streamed = () => slack.botReplies("C1", message.ts).find((m) => m.stream);
  // A few lines in: the run's record has long named the stream and its Stop message (written just after both).
  await slack.waitFor(
    () => streamed()?.text.includes("echo foxtrot") && slack.callsTo("chat.postMessage").length > 0,
    45_000,
    "mid-stream, with its Stop",
  );
  await first.kill(); // SIGKILL: no shutdown code runs, the stream stays open on Slack's side
  expect(streamed()!.stream!.open).toBe(true);

  const second = await startBot("native-b", slack, model, cwd);
  const replies = () => slack.botReplies("C1", message.ts).map((m) => m.text.trim());
  await slack.waitFor(() => replies().includes(ANSWER), 60_000, "the answer after the restart");
  await new Promise((resolve) => setTimeout(resolve, LOCK_TTL_MS * 3));
  // The stale stream now says what happened (stopped, then edited); its Stop message is gone; one answer below.
  expect(replies()).toEqual([expect.stringMatching(INTERRUPTED), ANSWER]);
  expect(slack.callsTo("chat.update").some((c) => c.ok && INTERRUPTED.test(c.params.text ?? ""))).toBe(true);
  expect(slack.botReplies("C1", message.ts).some((m) => JSON.stringify(m.blocks ?? []).includes("stop_answer"))).toBe(false);
  expect(model.requests).toHaveLength(2);
  expect(lastUserText(model.requests[1]!.body)).toContain("the phonetic alphabet please");
  expect(second.linesWith("Marked an interrupted reply")).toHaveLength(1);
}, 180_000);
