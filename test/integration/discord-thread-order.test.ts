/**
 * Issue 6 on Discord, end to end (real discord.js, real runtime, fake Discord and model, memory store): while the
 * bot answers in a conversation, new messages there wait and are then answered together in one run that replies
 * to the newest; a channel's conversations are its reply chains, so an unrelated mention is not held up; "stop"
 * or a ✋/❌ reaction on the bot's reply stops the running answer, and the reply says so.
 */
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { lastUserText, type RecordedRequest } from "../support/fake-model/server.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import type { FakeChannel, FakeMessage } from "../support/fake-discord/server.js";

let h: DiscordHarness;

beforeAll(async () => {
  // Discord's own write limit is not what is tested here: a roomy one keeps the streams quick.
  h = await startDiscordHarness({
    logLevel: "debug",
    fakeDiscord: { messageRateLimit: { limit: 50, windowMs: 1_000 } },
    adapter: { channelRate: { calls: 50, perMs: 1_000 } },
  });
});

afterAll(async () => {
  await h?.close();
});

const QUEUED = "Discord message queued behind the conversation's running answer";
const NOT_OURS = "Stop reaction on a message that is not one of the bot's answers; ignored";
const count = (msg: string) => h.logs.filter((l) => l.msg === msg).length;
const after = (since: FakeMessage) => (m: FakeMessage) => BigInt(m.id) > BigInt(since.id);

/** The bot's messages in `channelId` after `since`, once the last satisfies `check` and the adapter is idle. */
async function botSays(channelId: string, since: FakeMessage, check: (text: string) => boolean, what: string) {
  const mine = () => h.discord.botMessages(channelId).filter(after(since));
  await h.discord.waitFor(() => {
    const last = mine().at(-1);
    return last !== undefined && check(last.content);
  }, 30_000, what);
  await h.adapter.whenIdle();
  return mine();
}

/** A thread the bot has not answered in yet, visible to the client. */
async function newThread(name: string): Promise<FakeChannel> {
  const starter = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${name}: let's discuss` });
  const thread = h.discord.model.createThread({ parentId: h.general.id, name, ownerId: h.bob.id, fromMessageId: starter.id });
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(thread.id), 10_000, "the thread in the client's cache");
  return thread;
}

test("three messages sent in a thread while an answer runs get one follow-up answer that sees all three, in order", async () => {
  const thread = await newThread("rollout");
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The first answer's model call is held open until the three follow-ups are queued.
  h.model.script(async () => {
    await held;
    return { text: "The first answer." };
  }, { text: "One answer for all three." });
  const before = h.model.requests.length;
  const queuedBefore = count(QUEUED);

  const first = h.discord.say({ channelId: thread.id, authorId: h.alice.id, content: `${h.mention} first question` });
  await h.model.waitForRequests(before + 1);
  h.discord.say({ channelId: thread.id, authorId: h.bob.id, content: "second: alpha" });
  h.discord.say({ channelId: thread.id, authorId: h.alice.id, content: "third: beta" });
  const fourth = h.discord.say({ channelId: thread.id, authorId: h.bob.id, content: "fourth: gamma" });
  await h.waitForLog(QUEUED, queuedBefore + 3);
  expect(h.model.requests.length).toBe(before + 1); // nothing answered them while the first answer ran
  release();

  const replies = await botSays(thread.id, first, (t) => t === "One answer for all three.", "the follow-up answer");
  expect(replies.map((m) => m.content)).toEqual(["The first answer.", "One answer for all three."]);
  expect(replies[1]!.reference?.messageId).toBe(fourth.id); // the newest is the one replied to
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
  expect(prompt.trimEnd().endsWith("Bob Builder: fourth: gamma")).toBe(true);
});

test("a waiting message edited before its turn is answered as edited, not as the gateway first delivered it", async () => {
  const thread = await newThread("edits");
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  h.model.script(async () => {
    await held;
    return { text: "The first answer." };
  }, { text: "The edited one, answered." });
  const before = h.model.requests.length;
  const queuedBefore = count(QUEUED);
  try {
    const first = h.discord.say({ channelId: thread.id, authorId: h.alice.id, content: `${h.mention} first question` });
    await h.model.waitForRequests(before + 1);
    const waiting = h.discord.say({ channelId: thread.id, authorId: h.bob.id, content: "second: alpha" });
    await h.waitForLog(QUEUED, queuedBefore + 1);
    h.discord.model.editMessage(thread.id, waiting.id, "second: edited");
    const callsBefore = h.discord.calls.length;
    release();

    await botSays(thread.id, first, (t) => t === "The edited one, answered.", "the answer to the edited message");
    const prompt = lastUserText(h.model.requests[before + 1]!.body);
    expect(prompt.trimEnd().endsWith("Bob Builder: second: edited")).toBe(true);
    expect(prompt).not.toContain("alpha");
    // Its run read it again from Discord (the gateway's copy was out of date).
    const reread = h.discord.calls.slice(callsBefore).filter((c) => c.method === "GET" && c.path.endsWith(`/messages/${waiting.id}`));
    expect(reread.length).toBe(1);
  } finally {
    release();
  }
});

test("in a channel, a reply to the running answer waits for it, while an unrelated mention is answered at once", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  h.model.script(async () => {
    await held;
    return { text: "Deploy with the blue pipeline." };
  });
  h.model.setFallback((request) =>
    lastUserText(request.body).includes("lunch") ? { text: "Noodles." } : { text: "Yes, the blue one." },
  );
  const before = h.model.requests.length;
  const queuedBefore = count(QUEUED);
  try {
    const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} how do we deploy?` });
    await h.model.waitForRequests(before + 1);
    await h.discord.waitFor(() => h.discord.botMessages(h.general.id).some((m) => m.reference?.messageId === question.id), 30_000, "the placeholder");
    const placeholder = h.discord.botMessages(h.general.id).find((m) => m.reference?.messageId === question.id)!;
    // The adapter remembers its reply's conversation just after Discord answers the post.
    await vi.waitFor(async () => expect(await h.store.get(`discord:reply:${placeholder.id}`)).toBeTypeOf("string"), { timeout: 10_000 });

    // A reply to the bot's answer (without a mention: Discord's reply ping does that) joins the conversation...
    const followUp = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} the blue one?`, replyTo: placeholder.id });
    await h.waitForLog(QUEUED, queuedBefore + 1);
    // ...while a new question from someone else in the same channel is its own conversation.
    const lunch = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} what's for lunch?` });
    await h.discord.waitFor(() => h.discord.botMessages(h.general.id).some((m) => m.reference?.messageId === lunch.id && m.content === "Noodles."), 30_000, "the lunch answer");
    expect(h.discord.botMessages(h.general.id).some((m) => m.reference?.messageId === followUp.id)).toBe(false);
    release();

    await h.discord.waitFor(
      () => h.discord.botMessages(h.general.id).some((m) => m.reference?.messageId === followUp.id && m.content === "Yes, the blue one."),
      30_000,
      "the follow-up answer",
    );
    await h.adapter.whenIdle();
    expect(h.model.requests.length).toBe(before + 3);
    const prompt = lastUserText(h.model.requests.find((r) => lastUserText(r.body).trimEnd().endsWith("Alice: the blue one?"))!.body);
    expect(prompt).toContain("[user] Alice: how do we deploy?");
    expect(prompt).toContain("[assistant]: Deploy with the blue pipeline.");
    expect(prompt).not.toContain("lunch");
  } finally {
    release();
    h.model.setFallback({ text: "Hello from the fake model." });
  }
});

/** An answer that shows its first words and then stalls until it is stopped. */
async function runningAnswer(channelId: string, question: string) {
  h.model.script({ text: "Here is the beginning of a long answer", fail: { kind: "stall", afterChars: 38 } });
  const before = h.model.requests.length;
  const asked = h.discord.say({ channelId, authorId: h.alice.id, content: `${h.mention} ${question}` });
  await h.discord.waitFor(
    () => h.discord.botMessages(channelId).filter(after(asked)).at(-1)?.content.includes("beginning of a long") ?? false,
    30_000,
    "the first words",
  );
  const reply = h.discord.botMessages(channelId).filter(after(asked))[0]!;
  // The adapter remembers its reply (for stop reactions and replies) once Discord has answered the post, which
  // can be just after the fake shows it: a person could not react that fast, a test can.
  await vi.waitFor(async () => expect(await h.store.get(`discord:reply:${reply.id}`)).toBeTypeOf("string"), { timeout: 10_000 });
  return { asked, reply, request: h.model.requests[before]!, before };
}

async function expectStopped(channelId: string, asked: FakeMessage, request: RecordedRequest, before: number) {
  const replies = await botSays(channelId, asked, (t) => t.includes("(Stopped.)"), "the stopped note");
  expect(replies).toHaveLength(1);
  expect(replies[0]!.content).toContain("Here is the beginning of a long answer");
  // The model call itself was cancelled, and nothing else was asked of the model.
  expect(await request.settled).toBe("client_closed");
  expect(h.model.requests.length).toBe(before + 1);
}

test.each([
  ["a message saying Stop in the thread", "thread", "Stop"],
  ["the bot's mention and STOP in the thread", "thread", "<mention> STOP"],
  ["the bot's mention and stop in the channel", "channel", "<mention> stop"],
  // Discord does not ping the bot when the user turns the reply's mention off: still a stop for its answer.
  ["a reply saying stop to the bot's answer, without a mention, in the channel", "reply", "stop"],
])("%s stops the running answer, and the reply says it was stopped", async (_name, where, stopText) => {
  const channelId = where === "thread" ? (await newThread(`stop-${stopText.length}`)).id : h.general.id;
  const { asked, reply, request, before } = await runningAnswer(channelId, "explain everything");
  const content = stopText.replace("<mention>", h.mention);
  h.discord.say({ channelId, authorId: h.bob.id, content, ...(where === "reply" ? { replyTo: reply.id } : {}) });
  await expectStopped(channelId, asked, request, before);
});

test.each([["❌"], ["✋"]])("a %s reaction on the bot's reply stops the running answer", async (emoji) => {
  const thread = await newThread(`react-${emoji}`);
  const { asked, reply, request, before } = await runningAnswer(thread.id, "explain it all again");
  // The same reaction on someone else's message (the question) stops nothing.
  const ignoredBefore = count(NOT_OURS);
  h.discord.react({ channelId: thread.id, messageId: asked.id, userId: h.bob.id, emoji });
  await h.waitForLog(NOT_OURS, ignoredBefore + 1);
  expect(h.discord.botMessages(thread.id).filter(after(asked)).some((m) => m.content.includes("(Stopped.)"))).toBe(false);

  h.discord.react({ channelId: thread.id, messageId: reply.id, userId: h.bob.id, emoji: "👍" });
  h.discord.react({ channelId: thread.id, messageId: reply.id, userId: h.bob.id, emoji });
  await expectStopped(thread.id, asked, request, before);
});

test("after a stop the thread answers again as usual", async () => {
  const thread = await newThread("again");
  const { asked, reply, request, before } = await runningAnswer(thread.id, "one more time");
  h.discord.react({ channelId: thread.id, messageId: reply.id, userId: h.alice.id, emoji: "❌" });
  await expectStopped(thread.id, asked, request, before);

  h.model.script({ text: "Back to normal." });
  const next = h.discord.say({ channelId: thread.id, authorId: h.alice.id, content: "are you still there?" });
  const replies = await botSays(thread.id, next, (t) => t === "Back to normal.", "the next answer");
  expect(replies).toHaveLength(1);
  expect(h.model.requests.length).toBe(before + 2);
});
