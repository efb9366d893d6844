/**
 * The typing indicator end to end (real discord.js, fake Discord): a slow start keeps "is typing" alive by
 * renewing it (every 8 s in production, every 1.1 s here, which keeps within the fake's 5 typing calls per 5 s), and it stops once the answer shows words.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness({ adapter: { typingRenewMs: 1_100 } });
});

afterAll(async () => {
  await h?.close();
});

test("typing is renewed during a slow start and not after the answer", async () => {
  h.model.script({ text: "Here you are, at last.", delayMs: 3_500 });
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} take your time` });
  await h.discord.waitFor(
    () => h.discord.botMessages(h.general.id).some((m) => m.reference?.messageId === question.id && m.content === "Here you are, at last."),
    30_000,
    "the answer",
  );
  await h.adapter.whenIdle();
  const typing = h.discord.model.typingLog.filter((t) => t.channelId === h.general.id);
  // The model waited 3.5 s before the first word: the indicator was renewed several times in between.
  expect(typing.length).toBeGreaterThanOrEqual(3);
  const answered = h.discord.botMessages(h.general.id).find((m) => m.reference?.messageId === question.id)!;
  const lastEdit = answered.editedAt ?? answered.createdAt;
  const before = typing.length;
  await new Promise((r) => setTimeout(r, 1_200));
  expect(h.discord.model.typingLog.filter((t) => t.channelId === h.general.id)).toHaveLength(before);
  expect(typing.every((t) => t.at <= lastEdit)).toBe(true);
  // Discord clears the indicator on the bot's next message, not on an edit: it lapses by itself within 10 s of
  // the last renewal, which came before the first words.
  expect(h.discord.rateLimitedCount()).toBe(0);
});
