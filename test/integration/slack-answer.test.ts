/**
 * End to end: the real Bolt app in Socket Mode against the fake Slack, the real runtime against the fake model.
 * What a Slack user sees when they talk to the bot, and what the model is sent.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { lastUserText } from "../support/fake-model/server.js";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  // A tighter chat.update window than Slack's 50/min keeps the test fast; the behaviour is the same.
  h = await startSlackHarness({ fakeSlack: { updateLimit: { calls: 10, perMs: 1_000 } } });
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
});

/** Waits until the bot's reply in the thread shows `text` (its last message), then until the adapter is idle. */
async function answered(channel: string, threadTs: string, text: string) {
  await h.slack.waitFor(() => h.slack.botReplies(channel, threadTs).some((m) => m.text === text), 30_000, `"${text.slice(0, 30)}"`);
  await h.adapter.whenIdle();
  return h.slack.botReplies(channel, threadTs);
}

test("a mention gets a placeholder in its thread, then visible updates of a long answer, then all of it", async () => {
  const words = Array.from({ length: 80 }, (_, i) => `word${i}`);
  const answer = words.join(" ");
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 25 });
  const before = h.model.requests.length;
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} tell me a long story` });

  const [reply, ...more] = await answered("C1", message.ts, answer);
  expect(more).toEqual([]);
  expect(reply!.threadTs).toBe(message.ts); // in the thread of the mention
  const [placeholder, ...edits] = reply!.edits;
  expect(placeholder).toMatch(/Thinking/);
  expect(edits.at(-1)).toBe(answer);
  // At least two visible, growing updates before the complete answer.
  const partial = edits.slice(0, -1).filter((t) => t !== answer && !/Thinking/.test(t));
  expect(partial.length).toBeGreaterThanOrEqual(2);
  const shown = partial.map((t) => words.filter((w) => t.includes(`${w} `) || t.endsWith(w)).length);
  expect(shown).toEqual([...shown].sort((a, b) => a - b));
  expect(h.model.requests.length).toBe(before + 1);
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("Alice: tell me a long story");
});

test("follow-ups in a thread reach the model with the earlier turns in order, names, and image counts", async () => {
  h.model.script({ text: "Paris is the capital of France." });
  const { message: root } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} what is the capital of France?` });
  await answered("C1", root.ts, "Paris is the capital of France.");

  // Bob joins without a mention: the bot has answered in this thread, so it answers him too.
  h.model.script({ text: "Both screenshots show the Eiffel Tower." });
  const files = [h.slack.addFile("one.png", "image/png", PNG), h.slack.addFile("two.png", "image/png", PNG)];
  h.slack.userSays({ channel: "C1", user: "U2", text: "here are two screenshots", threadTs: root.ts, files });
  await answered("C1", root.ts, "Both screenshots show the Eiffel Tower.");

  h.model.script({ text: "The first one." });
  const before = h.model.requests.length;
  h.slack.userSays({ channel: "C1", user: "U1", text: "which one is better?", threadTs: root.ts });
  await answered("C1", root.ts, "The first one.");
  expect(h.model.requests.length).toBe(before + 1);

  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  const order = [
    "[user] Alice: what is the capital of France?",
    "[assistant]: Paris is the capital of France.",
    "[user] Bob Builder: here are two screenshots [+2 image(s)]",
    "[assistant]: Both screenshots show the Eiffel Tower.",
    "Alice: which one is better?",
  ].map((line) => prompt.indexOf(line));
  expect(order.every((at) => at >= 0)).toBe(true);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(prompt).not.toContain(mention);
  expect(prompt).not.toContain("Thinking");
});

test("direct messages are answered without a mention", async () => {
  h.model.script({ text: "Hi Alice, happy to help." });
  const { message } = h.slack.userSays({ channel: "D1", user: "U1", text: "hello there" });
  await answered("D1", message.ts, "Hi Alice, happy to help.");
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("hello there");
});

test("the bot's own messages and other bots' messages cause no model request", async () => {
  const before = h.model.requests.length;
  const { message: root } = h.slack.userSays({ channel: "C1", user: "U1", text: "a thread without the bot" });
  h.slack.userSays({ channel: "C1", user: h.slack.botUserId, text: `${mention} talking to myself`, threadTs: root.ts });
  h.slack.userSays({ channel: "C1", user: "U9", text: `${mention} a question from another bot` });
  h.slack.userSays({ channel: "D1", user: "U9", text: "another bot in a DM" });
  h.slack.userSays({ channel: "D1", user: h.slack.botUserId, text: "the bot in its own DM" });
  // Events are handled in order: once a later human mention is answered, the bot messages were seen and skipped.
  h.model.script({ text: "Only the human gets an answer." });
  const { message } = h.slack.userSays({ channel: "C1", user: "U2", text: `${mention} am I heard?` });
  await answered("C1", message.ts, "Only the human gets an answer.");
  expect(h.model.requests.length).toBe(before + 1);
  expect(lastUserText(h.model.requests.at(-1)!.body)).toContain("am I heard?");
  // Only the message the test posted as the bot: nothing answered it.
  expect(h.slack.botReplies("C1", root.ts).map((m) => m.text)).toEqual([`${mention} talking to myself`]);
});

test("a thread the bot never answered in is not followed", async () => {
  const before = h.model.requests.length;
  const { message: root } = h.slack.userSays({ channel: "C1", user: "U1", text: "just people talking" });
  h.slack.userSays({ channel: "C1", user: "U2", text: "indeed", threadTs: root.ts });
  h.model.script({ text: "Heard you." });
  const { message } = h.slack.userSays({ channel: "C1", user: "U2", text: `${mention} ping` });
  await answered("C1", message.ts, "Heard you.");
  expect(h.model.requests.length).toBe(before + 1);
  expect(h.slack.botReplies("C1", root.ts)).toHaveLength(0);
});

test("when the model fails, the thread says what happened in one sentence", async () => {
  // Every model call fails (the runtime process may itself retry a failed call).
  h.model.setFallback({ fail: { kind: "status", status: 401, message: "bad key" } });
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} will this work?` });
  const replies = await h.slack.waitFor(() => {
    const mine = h.slack.botReplies("C1", message.ts);
    return mine.length > 0 && !/Thinking/.test(mine.at(-1)!.text) ? mine : undefined;
  }, 30_000, "the error sentence");
  await h.adapter.whenIdle();
  expect(replies).toHaveLength(1);
  expect(replies[0]!.text).toMatch(/^Sorry, .*\.$/);
  expect(replies[0]!.text).not.toContain("bad key");
  h.model.setFallback({ text: "Hello from the fake model." });
});
