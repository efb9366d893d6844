/**
 * No broadcast pings on Discord, end to end (real discord.js, real runtime, fake Discord and model): every
 * message the bot creates or edits (placeholder, streamed edits, continuation messages, the refusal sentence)
 * carries `allowed_mentions` that parse neither everyone/here nor roles, so a reply full of "@everyone" and
 * "<@&role>" notifies nobody. The fake Discord applies Discord's rules itself (mention-pings.ts).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { RequestGate } from "../../src/safety/request-gate.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";

const ROLE = "123456789012345678";
const HOSTILE = [
  `Attention @everyone and @here, and the <@&${ROLE}> role.`,
  "Slack-style too: <!channel> <!here> <!subteam^S1> <!everyone>.",
  "```\n@everyone inside code\n```",
].join("\n\n");

let h: DiscordHarness;
const allowedUsers: string[] = [];

beforeAll(async () => {
  h = await startDiscordHarness({
    answerer: { placeholder: "_@everyone Thinking…_" },
    fakeDiscord: { messageRateLimit: { limit: 50, windowMs: 1_000 } },
    // Only Alice may ask (her id is known once the world exists); Bob is refused.
    prepare: (_world, _guild, people) => {
      allowedUsers.push(people.alice.id);
    },
    adapter: {
      gate: new RequestGate({ access: { discord: { users: allowedUsers }, refusalReply: "@everyone I only answer Alice." } }),
    },
  });
});

afterAll(async () => {
  await h?.close();
});

function expectSafeWrites(writes: Array<{ route: string; body: unknown }>) {
  expect(writes.length).toBeGreaterThan(0);
  for (const { route, body } of writes) {
    const allowed = (body as { allowed_mentions?: { parse?: string[]; roles?: string[] } }).allowed_mentions;
    expect(allowed, `${route} without allowed_mentions`).toBeDefined();
    expect(allowed!.parse ?? []).not.toContain("everyone");
    expect(allowed!.parse ?? []).not.toContain("roles");
    expect(allowed!.roles ?? []).toEqual([]);
  }
}

test("the fake Discord flags a write without allowed_mentions (the check can fail)", async () => {
  const before = h.discord.mentionPings.length;
  const response = await fetch(`${h.discord.apiUrl}/v10/channels/${h.general.id}/messages`, {
    method: "POST",
    headers: { authorization: `Bot ${h.discord.token}`, "content-type": "application/json" },
    body: JSON.stringify({ content: `@everyone <@&${ROLE}>` }),
  });
  expect(response.status).toBe(200);
  expect(h.discord.mentionPings.slice(before).map((p) => p.mention)).toEqual(["@everyone", `<@&${ROLE}>`]);
  h.discord.mentionPings.length = before;
});

test("a streamed answer full of @everyone and role mentions, over several messages, notifies nobody", async () => {
  const answer = Array.from({ length: 8 }, (_, i) => `Part ${i}.\n\n${HOSTILE}\n\n${"filler words ".repeat(20)}`).join("\n\n");
  h.model.script({ text: answer, chunk: { size: 40, unit: "chars" }, paceMs: 2 });
  const writesBefore = h.discord.messageWrites.length;
  const question = h.discord.say({ channelId: h.general.id, authorId: h.alice.id, content: `${h.mention} announce it` });
  const mine = () => h.discord.botMessages(h.general.id).filter((m) => BigInt(m.id) > BigInt(question.id));
  await h.discord.waitFor(() => mine().some((m) => m.content.includes("Part 7.")) && mine().at(-1)!.content.endsWith("filler words"), 60_000, "the whole answer");
  await h.adapter.whenIdle();

  expect(mine().length).toBeGreaterThan(1); // continuation messages were created
  const writes = h.discord.messageWrites.slice(writesBefore);
  expect(writes.some((w) => w.route.startsWith("PATCH"))).toBe(true);
  expect(writes.filter((w) => w.route.startsWith("POST")).length).toBeGreaterThan(1);
  expectSafeWrites(writes);
  expect(h.discord.mentionPings).toEqual([]);
  // The words are still shown: Discord just does not notify for them.
  expect(mine().map((m) => m.content).join("\n")).toContain("@everyone");
});

test("a refusal sentence with @everyone notifies nobody", async () => {
  const writesBefore = h.discord.messageWrites.length;
  const question = h.discord.say({ channelId: h.general.id, authorId: h.bob.id, content: `${h.mention} hello` });
  const mine = () => h.discord.botMessages(h.general.id).filter((m) => BigInt(m.id) > BigInt(question.id));
  await h.discord.waitFor(() => mine().length > 0, 30_000, "the refusal");
  await h.adapter.whenIdle();
  expect(mine()[0]!.content).toContain("I only answer Alice");
  expectSafeWrites(h.discord.messageWrites.slice(writesBefore));
  expect(h.discord.mentionPings).toEqual([]);
});
