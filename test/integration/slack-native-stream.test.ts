/**
 * End to end with native streaming on: the real Bolt app against the fake Slack, the real runtime against the
 * fake model. A mention streams natively (start, appends, stop) and ends with the model's text; a stream that
 * outlives Slack's (shortened) lifetime goes on in a new one, nothing lost; a discarded model call leaves none of
 * its text on screen; a refused stream falls back to chat.update, complete and nothing twice.
 */
import { afterEach, expect, test } from "vitest";
import { Metrics } from "../../src/ops/metrics.js";
import { storeKeys } from "../../src/adapters/slack/store-keys.js";
import { startSlackHarness, type SlackHarness, type SlackHarnessOptions } from "../support/fake-slack/harness.js";

let h: SlackHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  h = await startSlackHarness({
    ...options,
    // Slack's own chat.update limit (50/min) against appendStream's Tier 4: the native path is the looser one.
    ...(options.fakeSlack ? { fakeSlack: options.fakeSlack } : {}),
    adapter: { nativeStreaming: true, ...options.adapter },
  });
  return h;
}

/** Lines of plain words (the same in Markdown and mrkdwn), so every path must show exactly this. */
function lines(count: number, word = "line"): string {
  return Array.from({ length: count }, (_, i) => `${word} ${i} says something plain`).join("\n");
}

/** What the bot's messages in the thread show together, in order. */
function shown(h: SlackHarness, channel: string, threadTs: string): string {
  return h.slack
    .botReplies(channel, threadTs)
    .map((m) => m.text)
    .join("")
    .trim();
}

async function ask(h: SlackHarness, text: string): Promise<string> {
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `<@${h.slack.botUserId}> ${text}` });
  await h.slack.waitFor(
    () => h.slack.callsTo("chat.stopStream").length > 0 || h.slack.callsTo("chat.update").length > 0,
    30_000,
    "a reply",
  );
  await h.adapter.whenIdle();
  return message.ts;
}

test("a mention streams natively: one start, appends as words settle, one stop, and the model's text", async () => {
  const h = await harness();
  // ~3 s of answer: appendStream's Tier 4 (100/min) paces one stream to an append every ~0.75 s.
  const answer = lines(20);
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 60 });
  const threadTs = await ask(h, "tell me twelve things");
  expect(h.slack.callsTo("chat.startStream")).toHaveLength(1);
  expect(h.slack.callsTo("chat.appendStream").length).toBeGreaterThanOrEqual(2);
  expect(h.slack.callsTo("chat.stopStream")).toHaveLength(1);
  expect(h.slack.callsTo("chat.update")).toHaveLength(0);
  const [reply, ...more] = h.slack.botReplies("C1", threadTs);
  expect(more).toEqual([]);
  expect(reply!.text).toBe(answer);
  // To the asker, in the thread.
  expect(h.slack.callsTo("chat.startStream")[0]!.params).toMatchObject({
    channel: "C1",
    thread_ts: threadTs,
    recipient_user_id: "U1",
  });
  // Every append ended at a whole line or a whole word: no half word, nothing healed, nothing taken back.
  for (const text of reply!.edits.slice(0, -1)) {
    expect(answer.startsWith(text)).toBe(true);
    expect(text.endsWith("\n") || /\s/.test(answer[text.length] ?? "")).toBe(true);
  }
});

test("a stream that outlives Slack's lifetime goes on in a new stream before it lapses, nothing lost", async () => {
  const h = await harness({ fakeSlack: { streamLifetimeMs: 1_500 }, adapter: { streamLifetimeMs: 1_500 } });
  const answer = lines(40);
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 30 });
  const threadTs = await ask(h, "a long one");
  expect(h.slack.callsTo("chat.startStream").length).toBeGreaterThanOrEqual(2);
  expect(h.slack.callsTo("chat.appendStream").every((c) => c.ok)).toBe(true);
  expect(shown(h, "C1", threadTs)).toBe(answer);
});

test("a stream Slack closes earlier than expected is continued in a new one, the refused text included", async () => {
  const h = await harness({ fakeSlack: { streamLifetimeMs: 800 } });
  const answer = lines(30);
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 30 });
  const threadTs = await ask(h, "a long one");
  expect(h.slack.callsTo("chat.appendStream").some((c) => c.error === "message_not_in_streaming_state")).toBe(true);
  expect(h.slack.callsTo("chat.startStream").length).toBeGreaterThanOrEqual(2);
  expect(shown(h, "C1", threadTs)).toBe(answer);
});

test("a model call the runtime discards leaves none of its text on screen and none of the answer twice", async () => {
  const h = await harness();
  const discarded = lines(6, "discarded");
  const answer = lines(6, "kept");
  h.model.script(
    {
      text: discarded,
      chunk: { size: 2, unit: "words" },
      paceMs: 40,
      fail: { kind: "drop", afterChars: discarded.length - 5 },
    },
    { text: answer, chunk: { size: 2, unit: "words" }, paceMs: 10 },
  );
  const threadTs = await ask(h, "try twice");
  await h.slack.waitFor(() => shown(h, "C1", threadTs) === answer, 30_000, "the kept answer");
  // The discarded lines were streamed natively, then taken back by editing the stopped stream.
  expect(h.slack.callsTo("chat.appendStream").length + h.slack.callsTo("chat.startStream").length).toBeGreaterThan(0);
  expect(h.slack.callsTo("chat.update").length).toBeGreaterThan(0);
  expect(shown(h, "C1", threadTs)).not.toContain("discarded");
});

test.each([
  ["unknown_method", undefined],
  ["not_allowed", "C1"],
])(
  "when Slack refuses the stream (%s) the answer falls back to chat.update, complete, nothing twice",
  async (error, channel) => {
    const h = await harness();
    h.slack.refuse({ method: "chat.startStream", error, ...(channel ? { channel } : {}) });
    const answer = lines(8);
    h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 20 });
    const threadTs = await ask(h, "fall back");
    const [reply, ...more] = h.slack.botReplies("C1", threadTs);
    expect(more).toEqual([]);
    expect(reply!.text).toBe(answer);
    expect(h.slack.callsTo("chat.startStream").map((c) => c.error)).toEqual([error]);
    expect(h.slack.callsTo("chat.appendStream")).toHaveLength(0);

    // The refusal is remembered: the next answer in that conversation edits at once.
    h.model.script({ text: "second" });
    await ask(h, "again");
    expect(h.slack.callsTo("chat.startStream")).toHaveLength(1);
  },
);

test("without chat:write for streaming (missing_scope) the answer is edited in, complete", async () => {
  const h = await harness();
  h.slack.refuse({ method: "chat.startStream", error: "missing_scope" });
  h.model.script({ text: lines(3) });
  const threadTs = await ask(h, "no scope");
  expect(shown(h, "C1", threadTs)).toBe(lines(3));
});

test("the status line follows the work: reading the thread, thinking, the tool it runs, then cleared", async () => {
  const h = await harness({ adapter: { statusLine: true } });
  h.model.script({ toolCalls: [{ name: "read_thread", arguments: { limit: 10 } }] }, { text: lines(3) });
  const threadTs = await ask(h, "look it up");
  await h.slack.waitFor(() => h.slack.assistantThread("C1", threadTs)?.statuses.at(-1)?.status === "", 10_000, "the cleared status");
  const said = h.slack.assistantThread("C1", threadTs)!.statuses.map((s) => s.loadingMessages[0] ?? "(cleared)");
  expect(said[0]).toBe("Reading the thread…");
  expect(said).toContain("Running read_thread…");
  expect(said.indexOf("Thinking…")).toBeLessThan(said.indexOf("Running read_thread…"));
  expect(said.at(-1)).toBe("(cleared)");
  expect(shown(h, "C1", threadTs)).toBe(lines(3));
});

test("where Slack refuses the status line, it goes quiet and the answer is unaffected", async () => {
  const h = await harness({ adapter: { statusLine: true } });
  h.slack.refuse({ method: "assistant.threads.setStatus", error: "missing_scope" });
  h.model.script({ text: lines(2) });
  const threadTs = await ask(h, "quietly");
  expect(shown(h, "C1", threadTs)).toBe(lines(2));
  h.model.script({ text: "again" });
  await ask(h, "and again");
  // Refused once, remembered for the workspace: not asked again.
  expect(h.slack.callsTo("assistant.threads.setStatus")).toHaveLength(1);
});

test("a finished answer carries 👍/👎 feedback buttons; a vote is recorded once per person, counted, and may change", async () => {
  const metrics = new Metrics();
  const h = await harness({ adapter: { metrics } });
  h.model.script({ text: lines(3) });
  const threadTs = await ask(h, "rate me");
  const [reply] = h.slack.botReplies("C1", threadTs);
  expect(JSON.stringify(reply!.blocks)).toContain("feedback_buttons");
  const vote = async (user: string, choice: "positive" | "negative", count: number) => {
    h.slack.pressButton({ channel: "C1", ts: reply!.ts, user, actionId: "answer_feedback", choice });
    await h.waitForLog("Answer feedback recorded", count);
  };
  await vote("U1", "negative", 1);
  await vote("U2", "positive", 2);
  await vote("U1", "negative", 3); // the same vote again counts once
  expect(await h.store.get(storeKeys.feedback("C1", reply!.ts, "U1"))).toMatchObject({ vote: "bad", user: "U1" });
  expect(await h.store.get(storeKeys.feedback("C1", reply!.ts, "U2"))).toMatchObject({ vote: "good" });
  let text = await metrics.render();
  expect(text).toMatch(/threadpilot_feedback_total\{platform="slack",rating="down"\} 1/);
  expect(text).toMatch(/threadpilot_feedback_total\{platform="slack",rating="up"\} 1/);
  await vote("U1", "positive", 4); // a changed vote replaces the old one and counts
  expect(await h.store.get(storeKeys.feedback("C1", reply!.ts, "U1"))).toMatchObject({ vote: "good" });
  text = await metrics.render();
  expect(text).toMatch(/threadpilot_feedback_total\{platform="slack",rating="up"\} 2/);
  await h.slack.waitFor(() => h.slack.interactions.every((d) => d.ackedAt !== undefined), 5_000, "the acks");
  expect(h.slack.interactions.map((d) => d.ackedAt! - d.sentAt).every((ms) => ms <= 3_000)).toBe(true);
});

test("feedback works in HTTP mode too", async () => {
  const h = await harness({ mode: "http" });
  h.model.script({ text: lines(2) });
  const threadTs = await ask(h, "rate me over HTTP");
  const [reply] = h.slack.botReplies("C1", threadTs);
  h.slack.pressButton({ channel: "C1", ts: reply!.ts, user: "U2", actionId: "answer_feedback", choice: "positive" });
  await h.waitForLog("Answer feedback recorded");
  expect(await h.store.get(storeKeys.feedback("C1", reply!.ts, "U2"))).toMatchObject({ vote: "good" });
});

test("the message shortcut answers in the thread of the message it was used on, for the person who used it", async () => {
  const h = await harness();
  const { message: root } = h.slack.userSays({ channel: "C1", user: "U2", text: "Deploy failed with exit code 137" });
  const { message: reply } = h.slack.userSays({ channel: "C1", user: "U2", text: "it happens every night", threadTs: root.ts });
  h.model.script({ text: lines(2, "oom") });
  const use = h.slack.useMessageShortcut({ channel: "C1", ts: reply.ts, user: "U1", callbackId: "ask_copilot_thread" });
  await h.slack.waitFor(() => shown(h, "C1", root.ts) === lines(2, "oom"), 30_000, "the answer in the thread");
  await h.adapter.whenIdle();
  expect(use.ackedAt! - use.sentAt).toBeLessThanOrEqual(3_000);
  expect(h.slack.callsTo("chat.startStream")[0]!.params).toMatchObject({ thread_ts: root.ts, recipient_user_id: "U1" });
  // The model saw the thread.
  expect(JSON.stringify(h.model.requests.at(-1)!.body.messages)).toContain("exit code 137");
});

test("the assistant panel: suggested prompts when it opens, a title from the first question, an answer like a DM", async () => {
  const h = await harness();
  const panel = h.slack.startAssistantThread({ user: "U1", dmChannel: "D1", contextChannel: "C1" });
  await h.slack.waitFor(() => h.slack.assistantThread("D1", panel.threadTs)?.prompts, 10_000, "the suggested prompts");
  expect(h.slack.assistantThread("D1", panel.threadTs)!.prompts!.prompts.length).toBeGreaterThan(0);
  h.model.script({ text: lines(2, "panel") });
  h.slack.userSays({ channel: "D1", user: "U1", text: "How do I rotate the deploy keys safely?", threadTs: panel.threadTs });
  await h.slack.waitFor(() => shown(h, "D1", panel.threadTs) === lines(2, "panel"), 30_000, "the answer in the panel");
  await h.adapter.whenIdle();
  expect(h.slack.assistantThread("D1", panel.threadTs)!.title).toBe("How do I rotate the deploy keys safely?");
  // A DM needs no recipient ids; the stream went to the panel's thread.
  expect(h.slack.callsTo("chat.startStream")[0]!.params).toMatchObject({ channel: "D1", thread_ts: panel.threadTs });
});

test("/copilot <question> is acked within 3 s, posts the question in a new thread and answers there", async () => {
  const h = await harness();
  h.model.script({ text: lines(2, "cmd") });
  const before = h.slack.messagesIn("C1").length;
  const command = h.slack.runSlashCommand({ command: "/copilot", text: "why is the build red?", user: "U1", channel: "C1" });
  await h.slack.waitFor(() => h.slack.callsTo("chat.stopStream").length > 0, 30_000, "the answer");
  await h.adapter.whenIdle();
  expect(command.ackedAt! - command.sentAt).toBeLessThanOrEqual(3_000);
  const question = h.slack.messagesIn("C1").slice(before).find((m) => !m.threadTs)!;
  expect(question.text).toBe("<@U1> asked: why is the build red?");
  const answer = h.slack.botReplies("C1", question.ts).filter((m) => m.ts !== question.ts);
  expect(answer.map((m) => m.text).join("").trim()).toBe(lines(2, "cmd"));
  expect(h.slack.callsTo("chat.startStream")[0]!.params).toMatchObject({ thread_ts: question.ts, recipient_user_id: "U1" });
  // The model read it as Alice's question, not as its own words.
  const sent = h.model.requests.at(-1)!.body.messages!;
  const userText = JSON.stringify(sent.filter((m) => m.role === "user"));
  expect(userText).toContain("why is the build red?");
  expect(JSON.stringify(sent.filter((m) => m.role === "assistant"))).not.toContain("why is the build red?");
});

test("/copilot without a question answers with its usage, privately", async () => {
  const h = await harness();
  const command = h.slack.runSlashCommand({ command: "/copilot", text: "  ", user: "U1", channel: "C1" });
  await h.slack.waitFor(() => command.ackedAt, 10_000, "the ack");
  expect(command.ackBody).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("/copilot") });
  expect(h.model.requests).toHaveLength(0);
});

test("'stop' said in the thread ends a native stream: what was shown stays, the stopped note ends it", async () => {
  const h = await harness();
  const answer = lines(60);
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 60 });
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `<@${h.slack.botUserId}> a very long one` });
  await h.slack.waitFor(() => h.slack.callsTo("chat.appendStream").length > 0, 30_000, "the first append");
  h.slack.userSays({ channel: "C1", user: "U1", text: `<@${h.slack.botUserId}> stop`, threadTs: message.ts });
  await h.slack.waitFor(() => h.slack.callsTo("chat.stopStream").length > 0, 30_000, "the stop");
  await h.adapter.whenIdle();
  const text = shown(h, "C1", message.ts);
  expect(text).toMatch(/_\(Stopped\.\)_$/);
  expect(answer.startsWith(text.replace(/\s*_\(Stopped\.\)_$/, "").trim())).toBe(true);
  expect(text.length).toBeLessThan(answer.length);
});
