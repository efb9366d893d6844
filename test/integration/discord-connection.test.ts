/**
 * Starting the real discord.js client against the fake Discord: what an operator sees when the set-up is wrong,
 * and that a running adapter stops cleanly. (No answers here, so no model runtime: the answerer records turns.)
 */
import { pino } from "pino";
import { afterEach, expect, test } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/index.js";
import { openStore } from "../../src/store/open-store.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";

const logger = pino({ level: "silent" });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup(fakeOptions: Parameters<typeof startFakeDiscord>[0], token?: string) {
  const fake: FakeDiscord = await startFakeDiscord(fakeOptions);
  cleanups.push(() => fake.close());
  const store = await openStore("memory://", logger);
  cleanups.push(() => store.close());
  const turns: unknown[] = [];
  const adapter: DiscordAdapter = createDiscordAdapter({
    token: token ?? fake.token,
    apiUrl: fake.apiUrl,
    store,
    logger,
    readyTimeoutMs: 10_000,
    answerer: { answer: async (turn) => turns.push(turn) },
  });
  cleanups.push(() => adapter.stop(500));
  return { fake, adapter, turns };
}

test("a wrong token fails the start with a sentence saying what to do", async () => {
  const { adapter } = await setup({}, "not-the-token");
  await expect(adapter.start()).rejects.toThrow(/Discord rejected the bot token: .*DISCORD_TOKEN/);
});

test("a missing Message Content intent fails the start with a sentence saying where to enable it", async () => {
  const { adapter } = await setup({ messageContentIntent: false });
  await expect(adapter.start()).rejects.toThrow(/Message Content intent/);
});

test("the client asks for guild messages, message content and direct messages, and stops cleanly", async () => {
  const { fake, adapter } = await setup({});
  const identified = new Promise<number>((resolve) => fake.gateway.once("identify", resolve));
  const started = await adapter.start();
  expect(started.botUserId).toBe(fake.model.botUser.id);
  const intents = await identified;
  for (const bit of [1 << 0, 1 << 9, 1 << 12, 1 << 15]) expect(intents & bit).toBe(bit);
  await adapter.stop(500);
  await fake.waitFor(() => fake.gateway.connectedSessions === 0, 10_000, "the gateway connection to close");
});

test("stop lets a running answer finish within the grace period, then aborts it, and takes no new messages", async () => {
  const fake = await startFakeDiscord();
  cleanups.push(() => fake.close());
  const store = await openStore("memory://", logger);
  cleanups.push(() => store.close());
  const alice = fake.model.createUser({ username: "alice" });
  const guild = fake.model.createGuild({ name: "g" });
  const channel = fake.model.createTextChannel(guild.id, "c");
  let started = 0;
  let aborted = false;
  const adapter = createDiscordAdapter({
    token: fake.token,
    apiUrl: fake.apiUrl,
    store,
    logger,
    answerer: {
      async answer(turn) {
        started++;
        // An answer that would run forever, but ends when told to.
        await new Promise<void>((resolve) => turn.signal!.addEventListener("abort", () => resolve(), { once: true }));
        aborted = true;
      },
    },
  });
  cleanups.push(() => adapter.stop(100));
  await adapter.start();
  fake.say({ channelId: channel.id, authorId: alice.id, content: `<@${fake.model.botUser.id}> forever` });
  await fake.waitFor(() => started === 1, 10_000, "the answer to start");
  await adapter.stop(200);
  expect(aborted).toBe(true);
  await adapter.whenIdle();
  expect(started).toBe(1);
});
