/**
 * Several real bot processes (replicas) sharing one private Redis, connected to one fake Slack that delivers every
 * event to every replica's Socket Mode connection, and answered by one fake model. Closed together.
 */
import { createClient } from "@keyv/redis";
import { BotProcess, botEnvironment } from "./bot-process.js";
import { startFakeModel, type FakeModel } from "./fake-model/server.js";
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from "./fake-slack/index.js";
import { startTestRedis, type TestRedis } from "./redis.js";

export type RedisClient = ReturnType<typeof createClient>;

export interface BotCluster {
  slack: FakeSlack;
  model: FakeModel;
  redis: TestRedis;
  /** A plain client on the same Redis, to look at the replicas' keys. */
  redisClient: RedisClient;
  bots: BotProcess[];
  close(): Promise<void>;
}

export interface BotClusterOptions {
  replicas: number;
  /** Variables for every replica on top of botEnvironment's. */
  env?: Record<string, string>;
  fakeSlack?: FakeSlackOptions;
}

export async function startBotCluster(options: BotClusterOptions): Promise<BotCluster> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const [slack, model, redis] = await Promise.all([startFakeSlack(options.fakeSlack), startFakeModel(), startTestRedis()]);
    cleanups.push(() => slack.close(), () => model.close(), () => redis.stop());
    slack.deliverToEverySocket = true;
    const redisClient = createClient({ url: redis.url });
    await redisClient.connect();
    cleanups.push(() => redisClient.close());

    const env = botEnvironment({
      slackApiUrl: slack.apiUrl,
      botToken: slack.botToken,
      appToken: slack.appToken,
      modelUrl: model.url,
      storeUrl: redis.url,
      extra: options.env,
    });
    const starting = Array.from({ length: options.replicas }, (_, i) =>
      BotProcess.start({ name: `bot-${String.fromCharCode(97 + i)}`, env }),
    );
    const settled = await Promise.allSettled(starting);
    const bots = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    cleanups.push(async () => {
      await Promise.all(bots.map((bot) => bot.kill()));
      for (const bot of bots) bot.cleanup();
    });
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await slack.waitForSocket(options.replicas);
    await slack.waitFor(() => slack.socketConnections >= options.replicas, 30_000, "every replica connected");
    return { slack, model, redis, redisClient: redisClient as RedisClient, bots, close };
  } catch (error) {
    await close();
    throw error;
  }
}
