/**
 * One benchmark run: fresh fakes (platform and model), a fresh bot process with one reply strategy, N mentions
 * at once, and when every answer has finished, the figures, worked out from what the platform applied and when
 * the model sent each word.
 */
import { lastUserText, startFakeModel, type RecordedRequest } from "../../test/support/fake-model/server.js";
import { answerText, CHUNK_PACE_MS, tagIndex, WORDS_PER_CHUNK } from "./answers.js";
import { BotProcess } from "./bot-process.js";
import { startDiscordPlatform, startSlackPlatform, type FakePlatforms, type PlatformName } from "./platforms.js";
import type { ProcessUsage } from "./protocol.js";
import { spread, type Spread } from "./stats.js";
import { modelTokens, replay, sentTimes, words } from "./visibility.js";

export interface ScenarioSpec {
  platform: PlatformName;
  strategy: string;
  conversations: number;
  /** Slack only: how many workspaces the conversations are spread over. */
  workspaces: number;
  /** Give up waiting for the answers after this long. */
  timeoutMs: number;
}

export interface ScenarioResult {
  spec: ScenarioSpec;
  /** Mention → first write (the placeholder, or the first message when there is none), ms. */
  placeholder: Spread;
  /** Mention → first write showing any of the answer's words. */
  firstWords: Spread;
  /** Mention → the whole answer on screen (answers that never were complete are left out and counted). */
  complete: Spread;
  /** Model sent a word → the word visible in chat, over every word of every answer. */
  lag: Spread;
  rateLimited: number;
  /** Slack: per method; Discord: `global` (the bot-wide 50/s) and `per-route` apart. */
  rateLimitedBy: Record<string, number>;
  /** Writes the platform applied: new messages (a post, a stream started), replacing edits, stream appends. */
  edits: number;
  posts: number;
  appends: number;
  /** Slack: the most chat.update calls accepted in any 60 s of the busiest workspace (Slack allows 50). */
  updatesInBusiestMinute?: number;
  completeAnswers: number;
  wordsNeverShown: number;
  usage?: ProcessUsage;
  /** Wall time of the run, from the mentions to the last answer finished. */
  wallMs: number;
  /** Set when the run did not finish (the answers that did still count). */
  problem?: string;
}

export interface PreparedScenario {
  spec: ScenarioSpec;
  /** Mentions the bot in every conversation and resolves with the figures once every answer has finished. */
  go(): Promise<ScenarioResult>;
  /** Resolves when the model has finished streaming every answer (the CPU-heavy part is over), or the run ended. */
  streamsEnded: Promise<void>;
}

/** Starts the fakes and the bot; the run itself starts with `go`, so several runs can start together. */
export async function prepareScenario(spec: ScenarioSpec): Promise<PreparedScenario> {
  const n = spec.conversations;
  const answers = Array.from({ length: n }, (_, i) => answerText(i));
  const requests: Array<RecordedRequest | undefined> = new Array(n).fill(undefined);
  const model = await startFakeModel();
  model.setFallback((request) => {
    const index = tagIndex(lastUserText(request.body));
    if (index === undefined || index >= n) return { text: "I do not know which conversation this is." };
    requests[index] = request;
    return { text: answers[index], chunk: { size: WORDS_PER_CHUNK, unit: "words" }, paceMs: CHUNK_PACE_MS };
  });
  let platforms: FakePlatforms | undefined;
  let bot: BotProcess | undefined;
  let problem: string | undefined;
  try {
    platforms = spec.platform === "slack" ? await startSlackPlatform(n, spec.workspaces) : await startDiscordPlatform(n);
    bot = await BotProcess.start({
      strategy: spec.strategy,
      modelUrl: model.url,
      slack: platforms.slackConfig,
      ...(platforms.discordConfig ? { discord: platforms.discordConfig } : {}),
    });
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  let ended!: () => void;
  const streamsEnded = new Promise<void>((resolve) => (ended = resolve));
  const close = async () => {
    await bot?.stop().catch(() => {});
    await model.close().catch(() => {});
    await platforms?.close().catch(() => {});
  };

  async function go(): Promise<ScenarioResult> {
    let usage: ProcessUsage | undefined;
    let wallMs = NaN;
    try {
      if (problem || !bot || !platforms) throw new Error(problem ?? "the run could not start");
      await bot.begin();
      const started = Date.now();
      platforms.mentionAll();
      void model
        .waitForRequests(n)
        .then((all) => Promise.all(all.map((r) => r.settled)))
        .then(() => ended());
      const finished = await bot.waitForAnswers(n, spec.timeoutMs);
      wallMs = Date.now() - started;
      if (!finished) problem = `${n - bot.answered.length} of ${n} answers had not finished after ${spec.timeoutMs / 1000} s`;
      usage = await bot.usage().catch(() => undefined);
      const failed = bot.answered.filter((a) => a.status !== "complete").length;
      if (failed > 0) problem = [problem, `${failed} answers ended other than complete`].filter(Boolean).join("; ");
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    } finally {
      ended();
      await close();
    }
    return { ...measure(spec, answers, requests, platforms), usage, wallMs, ...(problem ? { problem } : {}) };
  }
  return { spec, go, streamsEnded };
}

/** One run on its own. */
export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  return (await prepareScenario(spec)).go();
}

function measure(
  spec: ScenarioSpec,
  answers: string[],
  requests: Array<RecordedRequest | undefined>,
  platforms: FakePlatforms | undefined,
): Omit<ScenarioResult, "wallMs" | "usage" | "problem"> {
  const placeholder: number[] = [];
  const firstWords: number[] = [];
  const complete: number[] = [];
  const lag: number[] = [];
  let completeAnswers = 0;
  let wordsNeverShown = 0;
  let edits = 0;
  let posts = 0;
  let appends = 0;
  answers.forEach((answer, i) => {
    const writes = platforms?.writes[i] ?? [];
    const mentioned = platforms?.mentionedAt[i] ?? NaN;
    const tokens = modelTokens(answer);
    const timeline = replay(writes, words(answer));
    if (timeline.firstWriteAt !== undefined) placeholder.push(timeline.firstWriteAt - mentioned);
    if (timeline.firstWordsAt !== undefined) firstWords.push(timeline.firstWordsAt - mentioned);
    if (timeline.completeAt !== undefined) complete.push(timeline.completeAt - mentioned);
    if (timeline.finalMatches) completeAnswers++;
    const seen = new Set<string>();
    for (const write of writes) {
      if (write.text === undefined || write.kind === "delete") continue;
      if (write.kind === "append") appends++;
      else if (seen.has(write.messageId)) edits++;
      else posts++;
      seen.add(write.messageId);
    }
    const sent = sentTimes(tokens, requests[i]?.chunkTimes ?? []);
    timeline.visibleAt.forEach((visible, k) => {
      const at = sent[k];
      if (visible === undefined) wordsNeverShown++;
      else if (at !== undefined) lag.push(Math.max(0, visible - at));
    });
  });
  return {
    spec,
    placeholder: spread(placeholder),
    firstWords: spread(firstWords),
    complete: spread(complete),
    lag: spread(lag),
    rateLimited: platforms?.rateLimited() ?? NaN,
    rateLimitedBy: platforms?.rateLimitedBy() ?? {},
    edits,
    posts,
    appends,
    ...(platforms?.updatesInBusiestMinute ? { updatesInBusiestMinute: platforms.updatesInBusiestMinute() } : {}),
    completeAnswers,
    wordsNeverShown,
  };
}
