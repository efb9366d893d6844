/**
 * The process-wide request window (src/adapters/discord/request-gate.ts) with the real discord.js against the
 * fake Discord: however many requests are fired at once, no second holds more than the window allows, so
 * Discord's global limit is never reached; interaction callbacks pass outside it.
 */
import { Routes } from "discord.js";
import { afterEach, expect, test } from "vitest";
import { createDiscordClient } from "../../src/adapters/discord/connection.js";
import { startFakeDiscord, type FakeDiscord } from "../support/fake-discord/server.js";
import { peakInWindow } from "../support/peak-in-window.js";

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
});

test("twenty requests at once arrive at most four in any second, with no global 429", async () => {
  fake = await startFakeDiscord({ globalRateLimit: 5 });
  const client = createDiscordClient({ apiUrl: fake.apiUrl, globalRequestsPerSecond: 4 });
  client.rest.setToken(fake.token);
  await Promise.all(Array.from({ length: 20 }, () => client.rest.get(Routes.user("@me"))));
  const times = fake.calls.filter((c) => c.route === "GET /users/@me").map((c) => c.at);
  expect(times).toHaveLength(20);
  expect(peakInWindow(times, 1_000)).toBeLessThanOrEqual(4);
  expect(fake.globalRateLimitedCount()).toBe(0);
  await client.destroy();
});
