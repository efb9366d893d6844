/**
 * End to end with the real discord.js: Discord failing message creates and edits (500, 502, a reset connection)
 * for 5 s just as the first words of an answer show. The reply keeps trying through the channel's budget (one
 * REST request per try: discord.js repeats nothing by itself) and ends with the model's whole answer.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import { MESSAGE_WRITE_ROUTES, type DiscordFault } from "../support/fake-discord/server.js";
import { markdownToDiscord } from "../../src/adapters/discord/markdown.js";
import { peakInWindow } from "../support/peak-in-window.js";

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness();
});

afterAll(async () => {
  await h?.close();
});

const FAULTS: Array<[string, DiscordFault]> = [
  ["HTTP 500", { kind: "http", status: 500 }],
  ["HTTP 502", { kind: "http", status: 502 }],
  ["a reset connection", { kind: "reset" }],
];

for (const [name, fault] of FAULTS) {
  test(`message writes failing with ${name} for 5 s while the answer streams: the final text is the model's, complete`, async () => {
    const channel = h.discord.model.createTextChannel(h.guild.id, `faults-${fault.kind}-${"status" in fault ? fault.status : 0}`);
    await h.discord.waitFor(() => h.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`);
    const answer = `**Result:** ${words.join(" ")}`;
    h.model.script({ text: answer, chunk: { size: 2, unit: "words" }, paceMs: 50 });
    const question = h.discord.say({ channelId: channel.id, authorId: h.alice.id, content: `${h.mention} stream while Discord fails` });
    const mine = () => h.discord.botMessages(channel.id).filter((m) => BigInt(m.id) > BigInt(question.id));
    await h.discord.waitFor(() => mine()[0]?.content.includes("word") ?? false, 30_000, "the first words");
    h.discord.faults.fail(MESSAGE_WRITE_ROUTES, fault, 5_000);

    const expected = markdownToDiscord(answer);
    await h.discord.waitFor(() => mine()[0]?.content === expected, 60_000, "the complete answer after Discord's failures");
    await h.adapter.whenIdle();
    expect(mine().map((m) => m.content)).toEqual([expected]);
    const writes = h.discord.calls.filter((c) => c.channelId === channel.id && MESSAGE_WRITE_ROUTES.some((r) => r === c.route));
    const failed = writes.filter((c) => c.status >= 500 || c.status === 0);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    // Failed tries included, the channel never saw more writes than its budget grants (5 in 5.25 s).
    expect(peakInWindow(writes.map((c) => c.at), 5_000)).toBeLessThanOrEqual(5);
    expect(writes.filter((c) => c.status === 429)).toEqual([]);
  }, 90_000);
}
