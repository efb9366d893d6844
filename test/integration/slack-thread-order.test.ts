/**
 * Issue 6 on Slack, end to end (real Bolt, real runtime, fake Slack and model, memory store): while the bot
 * answers in a thread, new messages there wait and are then answered together in one run; "stop" or a ✋/❌
 * reaction on the bot's reply stops the running answer, and the reply says so.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { lastUserText } from "../support/fake-model/server.js";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";

let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  h = await startSlackHarness({
    fakeSlack: { updateLimit: { calls: 20, perMs: 1_000 } },
    // Shorter than production, as a replica would set them; passed through to the thread coordinator.
    adapter: { coordinator: { lockTtlMs: 5_000, stopPollMs: 100 } },
  });
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
});

const QUEUED = "Slack message queued behind the thread's running answer";
const count = (msg: string) => h.logs.filter((l) => l.msg === msg).length;

/** Waits until the bot's last message in the thread satisfies `check`, then until the adapter is idle. */
async function botSays(threadTs: string, check: (text: string) => boolean, what: string) {
  await h.slack.waitFor(() => {
    const last = h.slack.botReplies("C1", threadTs).at(-1);
    return last && check(last.text);
  }, 30_000, what);
  await h.adapter.whenIdle();
  return h.slack.botReplies("C1", threadTs);
}

test("three messages sent while an answer runs get one follow-up answer that sees all three, in order", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The first answer's model call is held open until the three follow-ups are queued.
  h.model.script(async () => {
    await held;
    return { text: "The first answer." };
  }, { text: "One answer for all three." });
  const before = h.model.requests.length;
  const queuedBefore = count(QUEUED);

  const { message: root } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} first question` });
  await h.model.waitForRequests(before + 1);
  h.slack.userSays({ channel: "C1", user: "U2", text: "second: alpha", threadTs: root.ts });
  h.slack.userSays({ channel: "C1", user: "U1", text: "third: beta", threadTs: root.ts });
  h.slack.userSays({ channel: "C1", user: "U2", text: "fourth: gamma", threadTs: root.ts });
  await h.waitForLog(QUEUED, queuedBefore + 3);
  expect(h.model.requests.length).toBe(before + 1); // nothing answered them while the first answer ran
  release();

  const replies = await botSays(root.ts, (t) => t === "One answer for all three.", "the follow-up answer");
  expect(replies.map((m) => m.text)).toEqual(["The first answer.", "One answer for all three."]);
  expect(h.model.requests.length).toBe(before + 2);
  const prompt = lastUserText(h.model.requests[before + 1]!.body);
  const order = [
    "[user] Alice: first question",
    "[assistant]: The first answer.",
    "[user] Bob Builder: second: alpha",
    "[user] Alice: third: beta",
    "Bob Builder: fourth: gamma",
  ].map((line) => prompt.indexOf(line));
  expect(order.every((at) => at >= 0)).toBe(true);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  // The newest message is the one answered: it comes last, after the context.
  expect(prompt.trimEnd().endsWith("Bob Builder: fourth: gamma")).toBe(true);
});

/** A thread whose answer shows its first words and then stalls until it is stopped. */
async function runningAnswer(question: string) {
  h.model.script({ text: "Here is the beginning of a long answer", fail: { kind: "stall", afterChars: 38 } });
  const before = h.model.requests.length;
  const { message: root } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} ${question}` });
  await h.slack.waitFor(
    () => h.slack.botReplies("C1", root.ts).at(-1)?.text.includes("beginning of a long"),
    30_000,
    "the first words",
  );
  return { root, request: h.model.requests[before]!, before };
}

async function expectStopped(root: { ts: string }, request: { settled: Promise<string> }, before: number) {
  const replies = await botSays(root.ts, (t) => t.includes("(Stopped.)"), "the stopped note");
  expect(replies).toHaveLength(1);
  expect(replies[0]!.text).toContain("Here is the beginning of a long answer");
  // The model call itself was cancelled, and nothing else was asked of the model.
  expect(await request.settled).toBe("client_closed");
  expect(h.model.requests.length).toBe(before + 1);
}

test.each([
  ["a reply saying Stop", (_threadTs: string) => "Stop"],
  ["the bot's mention and STOP", (_threadTs: string) => `${mention} STOP`],
])("%s in the thread stops the running answer, and the reply says it was stopped", async (_name, stopText) => {
  const { root, request, before } = await runningAnswer("explain everything");
  h.slack.userSays({ channel: "C1", user: "U2", text: stopText(root.ts), threadTs: root.ts });
  await expectStopped(root, request, before);
});

test("a raised-hand reaction on the bot's reply stops the running answer", async () => {
  const { root, request, before } = await runningAnswer("explain it all again");
  const reply = h.slack.botReplies("C1", root.ts)[0]!;
  // A reaction that means nothing to the bot changes nothing; the raised hand stops it.
  h.slack.userReacts({ channel: "C1", ts: reply.ts, user: "U2", name: "thumbsup" });
  h.slack.userReacts({ channel: "C1", ts: reply.ts, user: "U2", name: "raised_hand" });
  await expectStopped(root, request, before);
});

test("after a stop the thread answers again as usual, and the model is not shown the stop", async () => {
  const { root, request, before } = await runningAnswer("one more time");
  h.slack.userSays({ channel: "C1", user: "U1", text: "stop", threadTs: root.ts });
  await expectStopped(root, request, before);

  h.model.script({ text: "Back to normal." });
  h.slack.userSays({ channel: "C1", user: "U1", text: "are you still there?", threadTs: root.ts });
  const replies = await botSays(root.ts, (t) => t === "Back to normal.", "the next answer");
  expect(replies).toHaveLength(2);
  expect(h.model.requests.length).toBe(before + 2);
  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expect(prompt).toContain("[user] Alice: one more time");
  expect(prompt).toContain("(Stopped.)"); // the cut-short answer, as the thread shows it
  expect(prompt).not.toMatch(/Alice: stop\b/);
  expect(prompt.trimEnd().endsWith("Alice: are you still there?")).toBe(true);
});
