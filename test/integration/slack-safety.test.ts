/**
 * Issue 7 on Slack, end to end (real Bolt in Socket Mode, real Copilot runtime, fake Slack and model): the
 * access allow-list refuses before any model call; huge messages, many images, fake images and malformed
 * events never crash the bot nor stop the next answer; read_thread brings the model older messages from Slack;
 * and with every part logging at debug level, no token ever reaches the log.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { markdownToMrkdwn } from "../../src/adapters/slack/markdown.js";
import { DEFAULT_REFUSAL_REPLY, type AccessPolicy } from "../../src/safety/access.js";
import { RequestGate } from "../../src/safety/request-gate.js";
import { toolPolicy } from "../../src/safety/tool-policy.js";
import { defaultToolRegistry } from "../../src/tools/index.js";
import { imageParts, lastUserText, messageText, type RecordedRequest } from "../support/fake-model/server.js";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";

// A real 1×1 PNG; each copy gets its own bytes appended so the 20 files differ.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const secret = (prefix: string) => `${prefix}${randomBytes(12).toString("hex")}`;
const BOT_TOKEN = secret("xoxb-");
const APP_TOKEN = secret("xapp-");
const MODEL_KEY = secret("sk-model-");

const access: AccessPolicy = { slack: { channels: ["C1", "D1"], users: ["U1", "U2"] } };
let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  const registry = defaultToolRegistry({});
  const policy = toolPolicy("none", registry.names);
  h = await startSlackHarness({
    fakeSlack: { botToken: BOT_TOKEN, appToken: APP_TOKEN, updateLimit: { calls: 20, perMs: 1_000 }, postLimit: { calls: 20, perMs: 1_000 } },
    vision: true,
    logLevel: "debug",
    // Tiny, so a long thread does not fit and read_thread has something to fetch.
    historyCharBudget: 400,
    answerer: { maxMessageChars: 8_000, toolsFor: (context) => registry.buildTools(context) },
    runtime: { apiKey: MODEL_KEY, availableTools: policy.availableTools, onPermissionRequest: policy.onPermissionRequest },
    adapter: { gate: new RequestGate({ access }), maxImages: 10, postRate: { calls: 20, perMs: 1_000 } },
  });
  h.slack.addChannel({ id: "C2", name: "random" });
  h.slack.addUser({ id: "U3", name: "mallory", displayName: "Mallory" });
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
  // Shutdown lines too: the whole file's log holds no token.
  if (h) expectNoTokens(h.logText());
});

function expectNoTokens(log: string) {
  for (const token of [BOT_TOKEN, APP_TOKEN, MODEL_KEY]) expect(log.includes(token), "a token in the log").toBe(false);
}

/** Waits until a bot message in the thread satisfies `check`, then until the adapter is idle. */
async function botSays(channel: string, threadTs: string, check: (text: string) => boolean, what: string) {
  await h.slack.waitFor(() => h.slack.botReplies(channel, threadTs).some((m) => check(m.text)), 30_000, what);
  await h.adapter.whenIdle();
  return h.slack.botReplies(channel, threadTs).map((m) => m.text);
}

/** A plain question is still answered: whatever came before did not break the bot. */
async function stillAnswers() {
  const text = `Still here ${randomBytes(4).toString("hex")}.`;
  h.model.script({ text });
  const before = h.model.requests.length;
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} are you still there?` });
  await botSays("C1", message.ts, (t) => t === text, "the next answer");
  expect(h.model.requests.length).toBe(before + 1);
}

const REFUSED = "Slack request refused by the safety gate";
const count = (msg: string) => h.logs.filter((l) => l.msg === msg).length;

test("people and channels outside the allow-list get one refusal sentence and cause no model request", async () => {
  const before = h.model.requests.length;
  const refusal = markdownToMrkdwn(DEFAULT_REFUSAL_REPLY).trim();
  const refusedBefore = count(REFUSED);

  const { message: fromStranger } = h.slack.userSays({ channel: "C1", user: "U3", text: `${mention} let me in` });
  const { message: inOtherChannel } = h.slack.userSays({ channel: "C2", user: "U1", text: `${mention} answer me here` });
  expect(await botSays("C1", fromStranger.ts, (t) => t.trim() === refusal, "the refusal")).toHaveLength(1);
  expect(await botSays("C2", inOtherChannel.ts, (t) => t.trim() === refusal, "the refusal")).toHaveLength(1);
  await h.waitForLog(REFUSED, refusedBefore + 2);
  // Said once per person and thread: asking again in the same thread gets no second sentence.
  h.slack.userSays({ channel: "C1", user: "U3", text: `${mention} please?`, threadTs: fromStranger.ts });
  await h.waitForLog(REFUSED, refusedBefore + 3);
  await h.adapter.whenIdle();
  expect(h.slack.botReplies("C1", fromStranger.ts)).toHaveLength(1);

  // Refusals silenced: nothing at all is posted.
  access.refusalReply = "";
  try {
    const { message: silent } = h.slack.userSays({ channel: "C1", user: "U3", text: `${mention} anyone?` });
    await h.waitForLog(REFUSED, refusedBefore + 4);
    await h.adapter.whenIdle();
    expect(h.slack.botReplies("C1", silent.ts)).toEqual([]);
  } finally {
    delete access.refusalReply;
  }
  expect(h.model.requests.length).toBe(before);
  await stillAnswers();
});

test("a 200 KB message is cut for the model, the user is told, and the bot goes on", async () => {
  const huge = `${mention} ${"lorem ipsum dolor sit amet ".repeat(8_000)}`;
  expect(huge.length).toBeGreaterThan(200_000);
  h.model.script({ text: "I read the start of it." });
  const before = h.model.requests.length;
  const { message } = h.slack.userSays({ channel: "C1", user: "U1", text: huge });
  const replies = await botSays("C1", message.ts, (t) => t === "I read the start of it.", "the answer");
  expect(replies.some((t) => t.includes("Your message was long"))).toBe(true);
  expect(h.model.requests.length).toBe(before + 1);
  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expect(prompt.length).toBeLessThan(10_000);
  expect(prompt).toMatch(/\[message cut: [\d,]+ characters omitted\]/);
  await stillAnswers();
});

test("20 images: the model sees the first 10 and the user is told about the other 10", async () => {
  const files = Array.from({ length: 20 }, (_, i) => h.slack.addFile(`shot-${i}.png`, "image/png", Buffer.concat([PNG, Buffer.from([i])])));
  h.model.script({ text: "Ten pictures seen." });
  const requestsBefore = h.slack.fileRequests.length;
  const { message } = h.slack.userSays({ channel: "C1", user: "U2", text: `${mention} look at all of these`, files });
  const replies = await botSays("C1", message.ts, (t) => t === "Ten pictures seen.", "the answer");
  expect(replies.some((t) => t.includes("couldn't look at 10 images beyond the first 10"))).toBe(true);
  expect(imageParts(h.model.requests.at(-1)!.body)).toHaveLength(10);
  expect(h.slack.fileRequests.length - requestsBefore).toBe(10); // the rest were never downloaded
  await stillAnswers();
});

test("a file named .png that is not an image is not sent to the model, and the user is told", async () => {
  const fake = h.slack.addFile("cat.png", "image/png", Buffer.from("#!/bin/sh\necho this is not a picture\n"));
  h.model.script({ text: "No picture to see." });
  const { message } = h.slack.userSays({ channel: "D1", user: "U1", text: "what is in cat.png?", files: [fake] });
  const replies = await h.slack.waitFor(() => {
    const mine = h.slack.botReplies("D1", message.ts).map((m) => m.text);
    return mine.includes("No picture to see.") ? mine : undefined;
  }, 30_000, "the answer");
  await h.adapter.whenIdle();
  expect(replies.some((t) => t.includes("1 file that is not a PNG, JPEG, GIF or WebP image"))).toBe(true);
  expect(imageParts(h.model.requests.at(-1)!.body)).toEqual([]);
  await stillAnswers();
});

test("garbage frames and malformed events are ignored at debug level, and the next message is answered", async () => {
  const malformedBefore = count("Malformed Slack event ignored");
  const framesBefore = count("Malformed Socket Mode frame ignored");
  const failuresBefore = h.logs.filter((l) => (l.level as number) >= 50).length;
  const before = h.model.requests.length;

  expect(h.slack.sendRawFrame("this is not JSON {")).toBeGreaterThan(0);
  h.slack.sendRawFrame({ type: "events_api", envelope_id: "no-payload" });
  h.slack.sendRawFrame({ type: "events_api", envelope_id: "string-payload", payload: "garbage" });
  h.slack.sendRawFrame({ type: "events_api", envelope_id: "no-event", payload: { type: "event_callback", team_id: 7 } });
  h.slack.sendRawFrame({ type: 12, envelope_id: null });
  h.slack.deliverEvent({ type: "message" });
  h.slack.deliverEvent({ type: "message", channel: 42, ts: { a: 1 }, user: ["U1"], text: 7 });
  h.slack.deliverEvent({ type: "app_mention", channel: "C1", ts: "1700000000.000001", user: "U1", text: { not: "text" } });
  h.slack.deliverEvent({ type: "app_mention", channel: "C1", user: "U1", text: `${mention} I have no ts` });
  h.slack.deliverEvent({ type: "message", channel: "D1", channel_type: "im", ts: "1700000000.000002", user: "U1", text: "hi", files: "nope" });
  h.slack.deliverEvent({ type: "reaction_added", user: "U1", reaction: "x" });
  h.slack.deliverEvent({ type: "reaction_added", user: "U1", reaction: "x", item: { type: "message", channel: "C1", ts: "1.0" } });

  await h.waitForLog("Malformed Slack event ignored", malformedBefore + 6);
  await h.waitForLog("Malformed Socket Mode frame ignored", framesBefore + 3);
  const malformed = h.logs.filter((l) => l.msg === "Malformed Slack event ignored").slice(malformedBefore);
  expect(malformed.every((l) => l.level === 20)).toBe(true); // debug
  await stillAnswers();
  expect(h.model.requests.length).toBe(before + 1); // only the real question reached the model
  // Nothing logged as an error or worse: every bad input was expected and handled.
  expect(h.logs.filter((l) => (l.level as number) >= 50).slice(failuresBefore)).toEqual([]);
});

test("read_thread: with a tiny history budget, the model fetches older messages of the thread from Slack", async () => {
  const { message: root } = h.slack.userSays({ channel: "C1", user: "U1", text: "Kickoff: the launch code is BLUE-HERON." });
  for (let i = 1; i <= 30; i++) {
    h.slack.userSays({ channel: "C1", user: i % 2 ? "U2" : "U1", text: `note ${String(i).padStart(2, "0")}: nothing much happened today`, threadTs: root.ts });
  }
  h.model.script({ toolCalls: [{ name: "read_thread", arguments: { limit: 50 } }] }, { text: "The launch code is BLUE-HERON." });
  const before = h.model.requests.length;
  h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} what was the launch code?`, threadTs: root.ts });
  await botSays("C1", root.ts, (t) => t === "The launch code is BLUE-HERON.", "the answer");

  expect(h.model.requests.length).toBe(before + 2);
  const [first, second] = [h.model.requests[before]!, h.model.requests[before + 1]!];
  const prompt = lastUserText(first.body);
  expect(offered(first)).toContain("read_thread");
  expect(prompt).not.toContain("BLUE-HERON"); // left out by the budget...
  expect(prompt).toMatch(/earlier message\(s\) in this conversation were left out/);
  expect(prompt).toContain("note 30"); // ...while the newest context is in the prompt
  const result = toolResults(second);
  expect(result).toContain("Kickoff: the launch code is BLUE-HERON."); // ...and reaches the model through the tool
  expect(result).toContain("note 01");
  expect(result).not.toContain("note 30"); // no message twice
  expect(result).toContain("start of the thread");
});

test("with every part logging at debug level, no token value is ever logged", () => {
  const log = h.logText();
  expect(log).toContain('"level":20'); // the capture really is at debug level
  expect(log).toContain("slack-bolt"); // and has Bolt's own lines
  expectNoTokens(log);
});

const offered = (request: RecordedRequest) => (request.body.tools ?? []).map((t) => t.function.name);
const toolResults = (request: RecordedRequest) =>
  (request.body.messages ?? [])
    .filter((m) => m.role === "tool")
    .map((m) => messageText(m))
    .join("\n");
