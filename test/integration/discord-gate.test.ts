/**
 * The adapter's hooks into the shared core, with the real discord.js against the fake Discord: the safety gate
 * (access allow-lists) before any model call, and the read_thread tool's paging into older messages. The
 * answerer here only records turns: what is tested is what the adapter hands over.
 */
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/index.js";
import type { ConversationTurn } from "../../src/core/answer.js";
import { RequestGate } from "../../src/safety/request-gate.js";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";
import type { OlderMessagesPage } from "../../src/tools/read-thread.js";
import { startFakeDiscord, type FakeChannel, type FakeDiscord, type FakeUser } from "../support/fake-discord/server.js";

const logger = pino({ level: "silent" });
let fake: FakeDiscord;
let store: StateStore;
let adapter: DiscordAdapter;
let open: FakeChannel;
let closed: FakeChannel;
let alice: FakeUser;
const turns: ConversationTurn[] = [];
let mention: string;

beforeAll(async () => {
  fake = await startFakeDiscord();
  alice = fake.model.createUser({ username: "alice", globalName: "Alice" });
  const guild = fake.model.createGuild({ name: "g" });
  fake.model.addMember(guild.id, alice.id);
  open = fake.model.createTextChannel(guild.id, "open");
  closed = fake.model.createTextChannel(guild.id, "closed");
  mention = `<@${fake.model.botUser.id}>`;
  store = await openStore("memory://", logger);
  adapter = createDiscordAdapter({
    token: fake.token,
    apiUrl: fake.apiUrl,
    store,
    logger,
    historyCharBudget: 40,
    gate: new RequestGate({ access: { discord: { channels: [open.id] } } }),
    answerer: {
      async answer(turn) {
        turns.push(turn);
        await turn.target.budget.take();
        await turn.target.post("ok");
      },
    },
  });
  await adapter.start();
});

afterAll(async () => {
  await adapter?.stop(500);
  await store?.close();
  await fake?.close();
});

test("a message outside the allowed channels is refused once, with a sentence, and never reaches the answerer", async () => {
  const question = fake.say({ channelId: closed.id, authorId: alice.id, content: `${mention} let me in` });
  await fake.waitFor(() => fake.botMessages(closed.id).length > 0, 10_000, "the refusal");
  fake.replayMessageCreate(question.id);
  const allowed = fake.say({ channelId: open.id, authorId: alice.id, content: `${mention} hello` });
  await fake.waitFor(() => fake.botMessages(open.id).length > 0, 10_000, "the allowed answer");
  await adapter.whenIdle();
  const refusals = fake.botMessages(closed.id);
  expect(refusals).toHaveLength(1);
  expect(refusals[0]!.reference?.messageId).toBe(question.id);
  expect(refusals[0]!.content).toMatch(/not enabled for you here/);
  expect(turns.map((t) => t.history.at(-1)!.text)).toEqual(["hello"]);
  expect(fake.botMessages(open.id)[0]!.reference?.messageId).toBe(allowed.id);
});

test("read_thread's pager walks back through the channel beyond the history budget, oldest first", async () => {
  // Enough earlier messages to overflow the adapter's 40-character history budget.
  for (let i = 0; i < 8; i++) fake.say({ channelId: open.id, authorId: alice.id, content: `older message number ${i}` });
  turns.length = 0;
  fake.say({ channelId: open.id, authorId: alice.id, content: `${mention} summarise` });
  await fake.waitFor(() => turns.length === 1, 10_000, "the turn");
  await adapter.whenIdle();
  const turn = turns[0]!;
  expect(turn.history.map((m) => m.text)).toEqual(["older message number 6", "older message number 7", "summarise"]);
  expect(turn.readOlder).toBeDefined();
  // The prompt's 40 characters hold only "[user] Alice: older message number 7": the pager starts just before it.
  const page = (await turn.readOlder!(undefined, 3)) as OlderMessagesPage;
  expect(page.messages.map((m) => m.text)).toEqual(["older message number 4", "older message number 5", "older message number 6"]);
  const next = (await turn.readOlder!(page.before, 10)) as OlderMessagesPage;
  expect(next.messages.map((m) => m.text).slice(-4)).toEqual([0, 1, 2, 3].map((n) => `older message number ${n}`));
  expect(next.before).toBeUndefined(); // the channel's start
});
