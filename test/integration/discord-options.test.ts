/**
 * End to end with the options turned on: answers in a thread opened on the mention (DISCORD_OPEN_THREAD), the
 * answered message's images handed to a model that can see (COPILOT_VISION), and a Discord stricter than the
 * adapter's budget, so the adapter has to honour Discord's rate limit when it says so.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { imageParts, lastUserText } from "../support/fake-model/server.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);
let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness({
    vision: true,
    adapter: { openThread: true },
    // Discord allows fewer writes here than the adapter budgets for: Discord's word must win.
    fakeDiscord: { messageRateLimit: { limit: 2, windowMs: 3_000 } },
  });
});

afterAll(async () => {
  await h?.close();
});

test("a mention opens a thread on it, and its real images reach the model", async () => {
  h.model.script({ text: "Both pictures show a cat." });
  const question = h.discord.say({
    channelId: h.general.id,
    authorId: h.alice.id,
    content: `${h.mention} what is in these pictures?`,
    attachments: [
      { filename: "cat.png", contentType: "image/png", data: PNG },
      { filename: "cat.jpg", contentType: "image/jpeg", data: JPEG },
      // Claims to be an image; the bytes say otherwise, so the model never gets it.
      { filename: "notes.png", contentType: "image/png", data: Buffer.from("just some text, not an image") },
    ],
  });
  await h.discord.waitFor(() => h.discord.model.channels.get(question.id)?.messages.some((m) => m.content === "Both pictures show a cat.") ?? false, 30_000, "the answer in the thread");
  await h.adapter.whenIdle();

  const thread = h.discord.model.channels.get(question.id)!;
  expect(thread.parentId).toBe(h.general.id);
  expect(thread.name).toBe("what is in these pictures?");
  // The file that only claims to be an image is left out, and the user is told before the answer.
  expect(h.discord.botMessages(thread.id).map((m) => m.content)).toEqual([
    "_I couldn't look at 1 file that is not a PNG, JPEG, GIF or WebP image._",
    "Both pictures show a cat.",
  ]);
  expect(h.discord.botMessages(h.general.id)).toEqual([]); // nothing in the channel itself

  const request = h.model.requests.at(-1)!;
  expect(lastUserText(request.body)).toContain("Alice: what is in these pictures? [+3 image(s)]");
  const images = imageParts(request.body).map((part) => part.url.slice(0, 30));
  expect(images).toHaveLength(2);
  expect(images.some((url) => url.startsWith("data:image/png"))).toBe(true);
  expect(images.some((url) => url.startsWith("data:image/jpeg"))).toBe(true);
});

test("in the thread it opened, a follow-up without a mention is answered there", async () => {
  h.model.script({ text: "Orange tabbies, both of them." });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} cats?` });
  await h.discord.waitFor(() => h.discord.model.channels.get(question.id)?.messages.some((m) => m.content === "Orange tabbies, both of them.") ?? false, 30_000, "the first answer");
  await h.adapter.whenIdle();

  h.model.script({ text: "Yes, they look related." });
  h.discord.say({ channelId: question.id, authorId: h.bob.id, content: "are they siblings?" });
  await h.discord.waitFor(() => h.discord.botMessages(question.id).some((m) => m.content === "Yes, they look related."), 30_000, "the follow-up answer");
  await h.adapter.whenIdle();
  const prompt = lastUserText(h.model.requests.at(-1)!.body);
  expect(prompt).toContain("[user] Bob Builder: cats?");
  expect(prompt).toContain("[assistant]: Orange tabbies, both of them.");
  expect(prompt).toContain("Bob Builder: are they siblings?");
});

test("when Discord allows fewer writes than the budget, the reply waits for it and still arrives whole", async () => {
  const answer = Array.from({ length: 60 }, (_, i) => `step${i}`).join(" ");
  h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 50 });
  const logsBefore = h.logs.length;
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} walk me through it` });
  await h.discord.waitFor(() => h.discord.botMessages(question.id).some((m) => m.content === answer), 45_000, "the whole answer");
  await h.adapter.whenIdle();

  const finished = h.logs.slice(logsBefore).find((line) => line.msg === "answer finished");
  expect(finished?.status).toBe("complete");
  // Discord said "slow down" (through discord.js) and the streamer paused rather than losing text.
  expect(Number(finished?.rateLimited)).toBeGreaterThan(0);
  const reply = h.discord.botMessages(question.id)[0]!;
  expect(reply.contents.at(-1)).toBe(answer);
});
