/**
 * End to end, the delivery side: long answers over several messages, several answers streaming into one channel
 * within Discord's rate limit, failures, and exactly-once answering across gateway resumes, re-identifies,
 * replays and a second adapter.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { lastUserText } from "../support/fake-model/server.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import type { FakeMessage } from "../support/fake-discord/server.js";

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness();
});

afterAll(async () => {
  await h?.close();
});

const after = (since: FakeMessage) => (m: FakeMessage) => BigInt(m.id) > BigInt(since.id);

async function answered(channelId: string, since: FakeMessage, done: (texts: string[]) => boolean, what: string) {
  const mine = () => h.discord.botMessages(channelId).filter(after(since));
  await h.discord.waitFor(() => done(mine().map((m) => m.content)), 45_000, what);
  await h.adapter.whenIdle();
  return mine();
}

/** Bot replies that answer `message` (the first message of an answer replies to it). */
const repliesTo = (channelId: string, message: FakeMessage) =>
  h.discord.botMessages(channelId).filter((m) => m.reference?.messageId === message.id);

test("a 5,000-character answer arrives whole in at least three messages, each within 2,000 characters", async () => {
  const words = Array.from({ length: 860 }, (_, i) => `w${String(i).padStart(4, "0")}`);
  const answer = words.join(" ");
  expect(answer.length).toBeGreaterThan(5_000);
  h.model.script({ text: answer, chunk: { size: 40, unit: "words" }, paceMs: 20 });
  const channel = h.discord.model.createTextChannel(h.guild.id, "long-answers");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
  const question = h.discord.say({ channelId: channel.id, authorId: h.alice.id, content: `${h.mention} write a lot` });

  const messages = await answered(
    channel.id,
    question,
    (texts) => texts.join(" ").split(/\s+/).filter(Boolean).at(-1) === words.at(-1) && texts.length >= 3,
    "the whole long answer",
  );
  expect(messages.length).toBeGreaterThanOrEqual(3);
  for (const message of messages) expect(message.content.length).toBeLessThanOrEqual(2_000);
  const seen = messages.map((m) => m.content).join(" ").split(/\s+/).filter(Boolean);
  expect(seen).toEqual(words);
  expect(messages[0]!.reference?.messageId).toBe(question.id);
  // Discord never had to refuse anything: no 2,000-character errors, no 429.
  expect(h.discord.calls.filter((c) => c.channelId === channel.id && c.status >= 400)).toEqual([]);
  expect(h.discord.rateLimitedCount()).toBe(0);
});

test("three answers streaming into one channel at once share its budget: all complete, no 429", async () => {
  const channel = h.discord.model.createTextChannel(h.guild.id, "busy");
  await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
  const answers = [0, 1, 2].map((n) => Array.from({ length: 40 }, (_, i) => `a${n}x${i}`).join(" "));
  h.model.setFallback((request) => {
    // The prompt holds the earlier questions too: the one being answered comes last.
    const n = Number([...lastUserText(request.body).matchAll(/question (\d)/g)].at(-1)?.[1] ?? 0);
    return { text: answers[n], chunk: { size: 2, unit: "words" }, paceMs: 50 };
  });
  const questions = [0, 1, 2].map((n) =>
    h.discord.say({ channelId: channel.id, authorId: n % 2 ? h.bob.id : h.alice.id, content: `${h.mention} question ${n}` }),
  );
  await h.discord.waitFor(
    () => questions.every((q, n) => repliesTo(channel.id, q).some((m) => m.content === answers[n])),
    45_000,
    "three complete answers",
  );
  await h.adapter.whenIdle();
  expect(h.discord.rateLimitedCount()).toBe(0);
  // Never more than Discord's 5 creates + edits in any 5 s window of this channel.
  const writes = h.discord.calls
    .filter((c) => c.channelId === channel.id && (c.method === "POST" || c.method === "PATCH") && c.route.includes("/messages"))
    .map((c) => c.at);
  for (let i = 5; i < writes.length; i++) expect(writes[i]! - writes[i - 5]!).toBeGreaterThanOrEqual(5_000 - 5);
});

test("a failed answer ends with one clear sentence in the reply", async () => {
  h.model.script({ fail: { kind: "status", status: 400, message: "bad request" } });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} break please` });
  const [reply] = await answered(h.general.id, question, (texts) => texts.some((t) => /^Sorry/m.test(t)), "an error sentence");
  expect(reply!.content).toMatch(/Sorry, .+\./);
  expect(reply!.content).not.toMatch(/bad request/);
});

test("a gateway resume that replays a handled message does not answer it twice", async () => {
  h.model.script({ text: "First and only answer." });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} once please` });
  await answered(h.general.id, question, (texts) => texts.includes("First and only answer."), "the answer");
  const requests = h.model.requests.length;

  // Disconnect; while the bot is away a new mention arrives; the resume replays it, and Discord re-sends the old one.
  const resumesBefore = h.discord.gateway.log.filter((e) => e.op === "resume").length;
  const back = h.discord.forceReconnect("resume");
  h.model.script({ text: "Answered after the resume." });
  const whileAway = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} are you there?` });
  expect(await back).toBe("resumed");
  expect(h.discord.gateway.log.filter((e) => e.op === "resume").length).toBe(resumesBefore + 1);
  h.discord.replayMessageCreate(question.id);
  h.discord.replayMessageCreate(whileAway.id);

  await h.discord.waitFor(() => repliesTo(h.general.id, whileAway).some((m) => m.content === "Answered after the resume."), 30_000, "the answer after the resume");
  // A later mention is answered after the replays were handled (messages are handled in order).
  h.model.script({ text: "Still here." });
  const later = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} and now?` });
  await answered(h.general.id, later, (texts) => texts.includes("Still here."), "the later answer");

  expect(repliesTo(h.general.id, question)).toHaveLength(1);
  expect(repliesTo(h.general.id, whileAway)).toHaveLength(1);
  expect(h.model.requests.length).toBe(requests + 2);
});

test("a re-identify and a second adapter on the same store do not answer a message twice", async () => {
  h.model.script({ text: "Answered once." });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} exactly once` });
  await answered(h.general.id, question, (texts) => texts.includes("Answered once."), "the answer");
  const requests = h.model.requests.length;

  expect(await h.discord.forceReconnect("reidentify")).toBe("ready");
  h.discord.replayMessageCreate(question.id);
  // A second replica (or a restarted bot) with its own gateway session sees the replay as well.
  const second = await h.startAnotherAdapter();
  h.discord.replayMessageCreate(question.id);

  h.model.script({ text: "Later answer." });
  const later = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} later` });
  await h.discord.waitFor(() => repliesTo(h.general.id, later).some((m) => m.content === "Later answer."), 30_000, "the later answer");
  await Promise.all([h.adapter.whenIdle(), second.whenIdle()]);

  expect(repliesTo(h.general.id, question)).toHaveLength(1);
  expect(repliesTo(h.general.id, later)).toHaveLength(1);
  expect(h.model.requests.length).toBe(requests + 1);
  await second.stop(1_000);
});
