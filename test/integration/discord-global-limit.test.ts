/**
 * Discord's bot-wide limit end to end: many channels streaming at once, each within its own 5 per 5 s, together
 * ask for more than the bot may make per second. The budgets know the bot-wide limit (here shrunk to 10 per
 * second in the fake, 8 in the adapter's budget), so Discord never answers 429, global or not, and every
 * answer arrives whole.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { lastUserText } from "../support/fake-model/server.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import type { FakeChannel } from "../support/fake-discord/server.js";

const CHANNELS = 16;
let h: DiscordHarness;
const channels: FakeChannel[] = [];

beforeAll(async () => {
  h = await startDiscordHarness({
    fakeDiscord: { globalRateLimit: 10 },
    adapter: { botRate: { calls: 8, perMs: 1_000 } },
    prepare: (world, guild) => {
      for (let i = 0; i < CHANNELS; i++) channels.push(world.createTextChannel(guild.id, `busy-${i}`));
    },
  });
});

afterAll(async () => {
  await h?.close();
});

test("sixteen channels streaming at once draw no 429, the global one included, and every answer is whole", async () => {
  const answers = channels.map((_, n) => Array.from({ length: 60 }, (_, i) => `c${n}w${i}`).join(" "));
  h.model.setFallback((request) => {
    const n = Number(/question (\d+)/.exec(lastUserText(request.body))?.[1] ?? 0);
    return { text: answers[n], chunk: { size: 2, unit: "words" }, paceMs: 40 };
  });
  const questions = channels.map((channel, n) =>
    h.discord.say({ channelId: channel.id, authorId: n % 2 ? h.bob.id : h.alice.id, content: `${h.mention} question ${n}` }),
  );
  await h.discord.waitFor(
    () => channels.every((channel, n) => h.discord.botMessages(channel.id).some((m) => m.reference?.messageId === questions[n]!.id && m.content === answers[n])),
    90_000,
    "every channel's whole answer",
  );
  await h.adapter.whenIdle();
  expect(h.discord.globalRateLimitedCount()).toBe(0);
  expect(h.discord.rateLimitedCount()).toBe(0);
  // The bot-wide budget was what held the answers back: they made more calls than one second's worth.
  const writes = h.discord.calls.filter((c) => c.route.includes("/messages") && c.method !== "GET");
  expect(writes.length).toBeGreaterThan(10);
});
