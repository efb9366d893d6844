/**
 * A store outage longer than the intake's retry bound, with the real Discord adapter on a real Redis: the person
 * is told in one sentence that the bot cannot answer right now (no crash, nothing silent), and once redis-server
 * is back on its port the next message is answered without restarting anything.
 */
import pino from "pino";
import { afterAll, describe, expect, test } from "vitest";
import { STORE_UNREACHABLE_SENTENCE } from "../../src/core/store-retry.js";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";
import { startDiscordHarness, type DiscordHarness } from "../support/fake-discord/harness.js";
import { skipRedisTests, startTestRedis, type TestRedis } from "../support/redis.js";

describe.skipIf(skipRedisTests())("a message during a long store outage", () => {
  let redis: TestRedis | undefined;
  let store: StateStore | undefined;
  let h: DiscordHarness | undefined;

  afterAll(async () => {
    await h?.close();
    await store?.close().catch(() => undefined);
    await redis?.stop();
  });

  test("is refused with one sentence; after the store is back, the next one is answered", async () => {
    redis = await startTestRedis();
    store = await openStore(redis.url, pino({ level: "silent" }));
    // A short bound, so that the test does not wait the default minute.
    h = await startDiscordHarness({ adapter: { store, storeRetryMs: 1_500 } });
    const harness = h;
    harness.model.setFallback({ text: "Back again." });
    const channel = harness.discord.model.createTextChannel(harness.guild.id, "outage");
    await harness.discord.waitFor(() => harness.adapter.client.channels.cache.has(channel.id), 10_000, "the channel in the client");
    const texts = () => harness.discord.botMessages(channel.id).map((m) => m.content);

    await redis.stop();
    harness.discord.say({ channelId: channel.id, authorId: harness.alice.id, content: `${harness.mention} during the outage` });
    await harness.discord.waitFor(() => texts().length > 0, 30_000, "the sentence");
    expect(texts()).toEqual([STORE_UNREACHABLE_SENTENCE]);
    expect(harness.model.requests).toHaveLength(0);

    redis = await startTestRedis(redis.port);
    // The client reconnects by itself (its backoff may exceed this test's short retry bound: wait for it).
    const reconnected = store;
    for (let i = 0; i < 300 && !(await reconnected.ping()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    harness.discord.say({ channelId: channel.id, authorId: harness.alice.id, content: `${harness.mention} and now?` });
    await harness.discord.waitFor(() => texts().includes("Back again."), 30_000, "the answer after the outage");
    expect(texts()).toEqual([STORE_UNREACHABLE_SENTENCE, "Back again."]);
  }, 90_000);
});
