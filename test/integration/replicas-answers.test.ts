/**
 * Two real bot processes on one Redis, one fake Slack that delivers every event to BOTH of them, one fake model:
 * every message is still answered exactly once, and messages sent to a thread while its answer runs are answered
 * together by one follow-up answer, whichever replica received them. The fake Slack enforces its REAL chat.update
 * limit (50 a minute per workspace), and the two processes' streaming edits stay inside it together: they draw
 * from one window in Redis (src/reply/budget/shared-budget.ts), so neither ever draws a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil, type BotProcess } from "../support/bot-process.js";
import { startBotCluster, type BotCluster } from "../support/bot-cluster.js";
import { lastUserText, messageText } from "../support/fake-model/server.js";
import { skipRedisTests } from "../support/redis.js";
import { peakInWindow } from "../support/peak-in-window.js";

const MENTIONS = 30;
/** Spread over channels: the bot posts at most one message per second per channel, as Slack asks. */
const CHANNELS = 15;
/** Streamed (multi-edit) answers, sent after the other tests: together they need more than a minute's 50 edits. */
const MULTI_EDIT_MENTIONS = 12;
/** What each replica logs for every message event it decides on (src/adapters/slack/slack-adapter.ts). */
const ANSWERING = "Answering a Slack message";
const ALREADY_HANDLED = "Slack message already handled; not answering again";
const QUEUED = "Slack message queued behind the thread's running answer";

const count = (bots: BotProcess[], msg: string) => bots.reduce((n, bot) => n + bot.linesWith(msg).length, 0);
/** Slack's chat.update limit, per workspace: what the fake enforces and what the bots' budget is built for. */
const UPDATE_LIMIT = { calls: 50, perMs: 60_000 };

/**
 * Waits until the workspace's chat.update window holds at most `calls` of the earlier tests' edits. The budget
 * keeps a final for every running answer, so in a spent window a reply shows only its final text: a test about
 * streaming (or about how soon a follow-up shows) starts once there is room, as it would in a quiet minute. The
 * first test's last swaps of Stop for feedback still spend the window near its end; by the time it ends there is
 * usually room already (these waits took 0 to 4 ms in three runs), so the guard rarely costs anything.
 */
async function windowHoldsAtMost(slack: BotCluster["slack"], calls: number): Promise<void> {
  const inWindow = () => slack.callsTo("chat.update").filter((c) => c.ok && c.at > Date.now() - UPDATE_LIMIT.perMs).length;
  await waitUntil(() => inWindow() <= calls, UPDATE_LIMIT.perMs + 30_000, `room in the chat.update window (at most ${calls})`);
}

describe.skipIf(skipRedisTests())("two replicas that both receive every event", () => {
  let cluster: BotCluster;

  beforeAll(async () => {
    // These tests are about the chat.update budget the replicas share: native streaming stays off here.
    cluster = await startBotCluster({ replicas: 2, fakeSlack: { updateLimit: UPDATE_LIMIT }, env: { SLACK_NATIVE_STREAMING: "false" } });
    for (let c = 1; c <= CHANNELS; c++) cluster.slack.addChannel({ id: `C${c}`, name: `channel-${c}` });
    cluster.slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
    cluster.slack.addUser({ id: "U2", name: "bob", displayName: "Bob" });
  }, 90_000);
  afterAll(async () => cluster?.close());

  it(`answers ${MENTIONS} mentions exactly once each`, async () => {
    const { slack, model, bots } = cluster;
    // The answer names the question it answers, so a reply in the wrong thread would show.
    model.setFallback((request) => ({
      // One chunk ending in a newline (no half-written last word to hold back): the reply's first edit shows the
      // whole answer, and one more swaps its Stop button for the feedback buttons (the answer is over), so these
      // 30 answers take 60 edits, a little over the workspace's 50 a minute.
      text: `Answer to question ${/question (\d+)/.exec(lastUserText(request.body))?.[1] ?? "?"}\n`,
      chunk: { size: 100, unit: "words" },
    }));
    const threads = Array.from({ length: MENTIONS }, (_, i) => {
      const channel = `C${(i % CHANNELS) + 1}`;
      const { message } = slack.userSays({ channel, user: "U1", text: `<@${slack.botUserId}> question ${i}` });
      return { channel, ts: message.ts, expected: `Answer to question ${i}` };
    });

    await slack
      .waitFor(
        () => threads.every((t) => slack.botReplies(t.channel, t.ts).some((m) => m.text === t.expected)),
        // 30 answers × 2 edits (text with Stop, then feedback) are more than a minute's 50. The swaps of Stop for
        // feedback go after every text (src/reply/budget/scheduler.ts), so the texts need not wait for the window
        // to renew (4.7 s for all 30 in one run); the margin is for a loaded machine.
        90_000,
        `${MENTIONS} answers`,
      )
      .catch((error: Error) => {
        const missing = threads.filter((t) => !slack.botReplies(t.channel, t.ts).some((m) => m.text === t.expected));
        const seen = missing.map((t) => `${t.expected} → ${JSON.stringify(slack.botReplies(t.channel, t.ts).map((m) => m.text))}`);
        const split = bots.map((b) => `${b.name}=${b.linesWith(ANSWERING).length}`).join(", ");
        throw new Error(`${error.message}; missing ${missing.length}: ${seen.join("; ")}; answering ${split}; calls ${JSON.stringify([...slack.callCounts])}`);
      });
    // Every replica has decided on every mention it received (answer it, or leave it to the other).
    for (const bot of bots) {
      await waitUntil(() => bot.linesWith(ANSWERING).length + bot.linesWith(ALREADY_HANDLED).length >= MENTIONS, 30_000, `${bot.name} to decide on every mention`);
    }
    // An answer is finished once its swap is made: the last swaps wait for the window to renew (~60 s).
    await waitUntil(() => count(bots, "answer finished") >= MENTIONS, 90_000, "every answer finished");

    expect(slack.deliveries.filter((d) => d.eventType === "app_mention")).toHaveLength(MENTIONS * 2);
    for (const t of threads) expect(slack.botReplies(t.channel, t.ts).map((m) => m.text)).toEqual([t.expected]);
    expect(model.requests).toHaveLength(MENTIONS);
    const asked = model.requests.map((r) => Number(/question (\d+)/.exec(lastUserText(r.body))?.[1])).sort((a, b) => a - b);
    expect(asked).toEqual(Array.from({ length: MENTIONS }, (_, i) => i));
    // One reply message per mention: nobody posted a second placeholder.
    expect(slack.callCounts.get("chat.postMessage")?.ok).toBe(MENTIONS);
    expect(count(bots, ANSWERING)).toBe(MENTIONS);
    expect(count(bots, ALREADY_HANDLED)).toBe(MENTIONS);
    expect(count(bots, "answer finished")).toBe(MENTIONS);
    // Each replica received every mention (60 deliveries) and decided on each: whichever claimed it first answered,
    // the other logged it as handled. The split between them varies with timing.
    console.info(
      `answers per replica: ${bots.map((b) => `${b.name}=${b.linesWith(ANSWERING).length}`).join(", ")}; ` +
        `chat.update ${JSON.stringify(slack.callCounts.get("chat.update"))}`,
    );
  }, 200_000);

  it("answers three messages sent during an answer with ONE follow-up answer that saw all three", async () => {
    const { slack, model, bots } = cluster;
    await windowHoldsAtMost(slack, 40);
    model.reset();
    const first = "one two three four five six seven eight nine ten";
    // The first answer is held at the model until the three messages have been received and queued, so they
    // certainly arrive while it runs, however slow the machine.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    model.script(async () => {
      await released;
      return { text: first, paceMs: 50 };
    }, { text: "Here is one answer to all three." });
    const { message } = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> count to ten` });
    await model.waitForRequests(1);

    const followUps = ["kiwi is my favourite", "mango is better", "papaya beats both"];
    for (const [i, text] of followUps.entries()) slack.userSays({ channel: "C1", user: i === 1 ? "U2" : "U1", text, threadTs: message.ts });
    // Both replicas have decided on the mention and on each of the three messages before the answer goes on.
    const decisions = () => count(bots, ANSWERING) + count(bots, ALREADY_HANDLED) + count(bots, QUEUED);
    await waitUntil(() => decisions() >= 2 * (MENTIONS + 1 + followUps.length), 30_000, "every decision");
    expect(count(bots, QUEUED)).toBe(followUps.length);
    release();

    await slack.waitFor(
      () => slack.botReplies("C1", message.ts).some((m) => m.text === "Here is one answer to all three."),
      45_000,
      "the follow-up answer",
    );
    await waitUntil(() => count(bots, "answer finished") >= MENTIONS + 2, 30_000, "both answers finished");

    expect(slack.botReplies("C1", message.ts).map((m) => m.text)).toEqual([first, "Here is one answer to all three."]);
    expect(model.requests).toHaveLength(2);
    // Each follow-up was claimed once and queued (the thread was busy); the other replica left it alone.
    expect(count(bots, QUEUED)).toBe(followUps.length);
    expect(count(bots, ALREADY_HANDLED)).toBe(MENTIONS + 1 + followUps.length);
    const followUpPrompt = (model.requests[1]!.body.messages ?? []).map(messageText).join("\n");
    for (const text of followUps) expect(followUpPrompt).toContain(text);
    // In the order they were sent.
    const positions = followUps.map((text) => followUpPrompt.lastIndexOf(text));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const firstPrompt = (model.requests[0]!.body.messages ?? []).map(messageText).join("\n");
    for (const text of followUps) expect(firstPrompt).not.toContain(text);
  }, 180_000);
  it("multi-edit answers from both replicas share the workspace's 50 edits a minute: all complete, 0 429s", async () => {
    const { slack, model, bots } = cluster;
    await windowHoldsAtMost(slack, 20);
    model.reset();
    const body = (n: string) => Array.from({ length: 18 }, (_, w) => `m${n}w${w}`).join(" ");
    // Streamed in six chunks: each reply shows its first words, then its whole answer (two edits or more).
    model.setFallback((request) => {
      const n = /multi (\d+)/.exec(lastUserText(request.body))?.[1] ?? "?";
      return { text: `Streamed answer ${n}: ${body(n)}`, chunk: { size: 3, unit: "words" }, paceMs: 150 };
    });
    const answeredBefore = bots.map((b) => b.linesWith(ANSWERING).length);
    // Each event to one replica, in turn, so both replicas stream into the one workspace at once. A mention is
    // two events (message, then app_mention); a line of chatter before every other mention makes the mentions
    // themselves alternate.
    slack.deliverToEverySocket = false;
    slack.addChannel({ id: "CHAT", name: "chatter" });
    const threads = Array.from({ length: MULTI_EDIT_MENTIONS }, (_, i) => {
      if (i % 2 === 1) slack.userSays({ channel: "CHAT", user: "U1", text: `chatter ${i}` });
      const channel = `C${(i % CHANNELS) + 1}`;
      const { message } = slack.userSays({ channel, user: "U2", text: `<@${slack.botUserId}> multi ${i}` });
      return { channel, ts: message.ts, expected: `Streamed answer ${i}: ${body(String(i))}` };
    });
    try {
      // Up to 20 of this minute's 50 edits are the earlier tests': these 24 or more do not all fit, so the last
      // ones wait (up to a minute) for the window to move, in whichever replica they are.
      await slack.waitFor(
        () => threads.every((t) => slack.botReplies(t.channel, t.ts).some((m) => m.text === t.expected)),
        100_000,
        `${MULTI_EDIT_MENTIONS} streamed answers`,
      );
    } finally {
      slack.deliverToEverySocket = true;
    }
    await waitUntil(() => count(bots, "answer finished") >= MENTIONS + 2 + MULTI_EDIT_MENTIONS, 30_000, "every answer finished");

    const replies = threads.map((t) => slack.botReplies(t.channel, t.ts));
    for (const [i, t] of threads.entries()) expect(replies[i]!.map((m) => m.text)).toEqual([t.expected]);
    // Streamed, not posted whole: most replies showed their first words before the answer (placeholder + 2 edits).
    const multiEdit = replies.filter((r) => r[0]!.edits.length >= 3).length;
    expect(multiEdit).toBeGreaterThanOrEqual(MULTI_EDIT_MENTIONS / 2);
    // Both processes answered some of them.
    const answered = bots.map((b, i) => b.linesWith(ANSWERING).length - answeredBefore[i]!);
    for (const n of answered) expect(n).toBeGreaterThan(0);
    expect(answered.reduce((a, b) => a + b, 0)).toBe(MULTI_EDIT_MENTIONS);

    const updates = slack.callsTo("chat.update");
    const accepted = updates.filter((c) => c.ok).map((c) => c.at);
    const peak = peakInWindow(accepted, UPDATE_LIMIT.perMs);
    console.info(
      `multi-edit answers per replica: ${answered.join(", ")}; chat.update ${JSON.stringify(slack.callCounts.get("chat.update"))}, ` +
        `peak ${peak} per minute; replies with 2+ edits: ${multiEdit}/${MULTI_EDIT_MENTIONS}`,
    );
    // More edits than one minute allows were asked for across the file, and the two processes together kept
    // inside the workspace's limit: Slack never had to refuse one.
    expect(accepted.length).toBeGreaterThan(UPDATE_LIMIT.calls);
    expect(peak).toBeLessThanOrEqual(UPDATE_LIMIT.calls);
    expect(slack.callCounts.get("chat.update")?.rateLimited ?? 0).toBe(0);
    expect(updates.filter((c) => c.status === 429)).toHaveLength(0);
    // The window they shared is in Redis.
    expect(await cluster.redisClient.exists(`threadpilot:rate:slack:${slack.teamId}:chat.update`)).toBe(1);
  }, 240_000);
});
