/**
 * The buttons on a Slack answer, end to end: the real Bolt app against the fake Slack (which refuses any block
 * Slack would refuse), the real runtime against the fake model. Stop shows while an answer streams, on the native
 * path (a Stop message under the stream) and on the chat.update path (the streaming message itself); the asker
 * or a workspace admin may press it, anyone else is told privately and the answer goes on; once the answer is
 * over no Stop is left. The chat.update path ends with 👍/👎 on its last message, recorded like the native path's.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Metrics } from "../../src/ops/metrics.js";
import { storeKeys } from "../../src/adapters/slack/store-keys.js";
import { NOT_YOURS_TO_STOP } from "../../src/adapters/slack/stop-button.js";
import type { FakeMessage } from "../support/fake-slack/index.js";
import { startSlackHarness, type SlackHarness, type SlackHarnessOptions } from "../support/fake-slack/harness.js";

let h: SlackHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Path = "native" | "chat.update";

async function harness(path: Path, options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  h = await startSlackHarness({ ...options, adapter: { nativeStreaming: path === "native", ...options.adapter } });
  h.slack.addUser({ id: "U3", name: "carol", isAdmin: true });
  return h;
}

/** The stopped note at the end (mrkdwn wraps it in zero-width spaces so its underscores stay italics). */
const STOPPED = /\s*\u200b?_\(Stopped\.\)_\u200b?$/;

function lines(count: number, word = "line"): string {
  return Array.from({ length: count }, (_, i) => `${word} ${i} says something plain`).join("\n");
}

function hasElement(message: FakeMessage, type: string): boolean {
  return JSON.stringify(message.blocks ?? []).includes(`"type":"${type}"`);
}

const hasStop = (m: FakeMessage) => JSON.stringify(m.blocks ?? []).includes(`"action_id":"stop_answer"`);

/** A long answer, streamed slowly enough to be stopped; resolves with the question and the message showing Stop. */
async function longAnswerWithStop(h: SlackHarness, asker = "U1"): Promise<{ threadTs: string; answer: string; stop: () => FakeMessage }> {
  const answer = lines(80);
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 60 });
  const { message } = h.slack.userSays({ channel: "C1", user: asker, text: `<@${h.slack.botUserId}> a very long one` });
  const stop = () => h.slack.botReplies("C1", message.ts).find(hasStop)!;
  await h.slack.waitFor(() => stop() && h.slack.botReplies("C1", message.ts).some((m) => m.text.includes("line 1 ")), 30_000, "a Stop button on words");
  return { threadTs: message.ts, answer, stop };
}

function shown(h: SlackHarness, threadTs: string): string {
  return h.slack
    .botReplies("C1", threadTs)
    .map((m) => m.text)
    .join("")
    .trim();
}

describe.each(["native", "chat.update"] as const)("%s path", (path) => {
  test("Stop pressed by the asker stops the answer: the stopped note ends it, no Stop is left", async () => {
    const h = await harness(path);
    const { threadTs, answer, stop } = await longAnswerWithStop(h);
    const press = h.slack.pressButton({ channel: "C1", ts: stop().ts, user: "U1", actionId: "stop_answer" });
    await h.slack.waitFor(() => STOPPED.test(shown(h, threadTs)), 30_000, "the stopped note");
    await h.adapter.whenIdle();
    expect(press.ackedAt! - press.sentAt).toBeLessThanOrEqual(3_000);
    const text = shown(h, threadTs);
    expect(answer.startsWith(text.replace(STOPPED, "").trim())).toBe(true);
    expect(text.length).toBeLessThan(answer.length);
    const replies = h.slack.botReplies("C1", threadTs);
    expect(replies.filter(hasStop)).toHaveLength(0);
    expect(hasElement(replies.at(-1)!, "feedback_buttons")).toBe(true);
    if (path === "native") expect(h.slack.callsTo("chat.delete").filter((c) => c.ok)).toHaveLength(1);
    else expect(h.slack.callsTo("chat.startStream")).toHaveLength(0);
  });

  test("Stop pressed by someone else does not stop it; they are told privately; an answer that ends leaves no Stop", async () => {
    const h = await harness(path);
    const { threadTs, answer, stop } = await longAnswerWithStop(h);
    h.slack.pressButton({ channel: "C1", ts: stop().ts, user: "U2", actionId: "stop_answer" });
    await h.slack.waitFor(() => h.slack.ephemerals.length > 0, 30_000, "the ephemeral answer");
    expect(h.slack.ephemerals[0]).toMatchObject({ channel: "C1", user: "U2", threadTs, text: NOT_YOURS_TO_STOP });
    await h.slack.waitFor(() => h.slack.botReplies("C1", threadTs).every((m) => !hasStop(m)), 60_000, "the end");
    await h.adapter.whenIdle();
    expect(shown(h, threadTs)).toBe(answer);
    expect(h.slack.botReplies("C1", threadTs).filter(hasStop)).toHaveLength(0);
    // users.info told the fake (Tier 4) that U2 is no admin.
    expect(h.slack.callsTo("users.info").some((c) => c.params.user === "U2")).toBe(true);
  });

  test("a workspace admin may stop someone else's answer", async () => {
    const h = await harness(path);
    const { threadTs, stop } = await longAnswerWithStop(h);
    h.slack.pressButton({ channel: "C1", ts: stop().ts, user: "U3", actionId: "stop_answer" });
    await h.slack.waitFor(() => STOPPED.test(shown(h, threadTs)), 30_000, "the stopped note");
    await h.adapter.whenIdle();
    expect(h.slack.ephemerals).toHaveLength(0);
    expect(h.slack.botReplies("C1", threadTs).filter(hasStop)).toHaveLength(0);
  });
});

test("the chat.update path: 👍/👎 on the last message only, recorded and counted like the native path's", async () => {
  const metrics = new Metrics();
  // A short message limit makes the answer span several messages.
  const h = await harness("chat.update", { adapter: { metrics, maxMessageLength: 400 } });
  const answer = lines(30);
  h.model.script({ text: answer });
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `<@${h.slack.botUserId}> rate me` });
  await h.slack.waitFor(() => shown(h, message.ts) === answer, 30_000, "the answer");
  await h.adapter.whenIdle();
  const replies = h.slack.botReplies("C1", message.ts);
  expect(replies.length).toBeGreaterThan(1);
  expect(replies.slice(0, -1).every((m) => (m.blocks ?? []).length === 0)).toBe(true);
  const last = replies.at(-1)!;
  expect(hasElement(last, "feedback_buttons")).toBe(true);
  expect(replies.filter(hasStop)).toHaveLength(0);
  // The blocks show the message's text (a message with blocks shows its blocks, not its text).
  const sections = (last.blocks ?? []).filter((b) => b.type === "section").map((b) => (b.text as { text: string }).text);
  expect(sections.join("")).toBe(last.text);
  h.slack.pressButton({ channel: "C1", ts: last.ts, user: "U2", actionId: "answer_feedback", choice: "negative" });
  await h.waitForLog("Answer feedback recorded");
  expect(await h.store.get(storeKeys.feedback("C1", last.ts, "U2"))).toMatchObject({ vote: "bad", user: "U2" });
  expect(await metrics.render()).toMatch(/threadpilot_feedback_total\{platform="slack",rating="down"\} 1/);
});
