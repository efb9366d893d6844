/**
 * The status line of many answers at once in one workspace, through the real WebClient against the fake Slack
 * with setStatus's real limit (100 a minute per workspace): each answer reads the thread, thinks, runs a tool,
 * answers and ends. The lines share the workspace's setStatus budget, so Slack refuses none of their calls, and
 * every line ends cleared.
 */
import { afterEach, expect, test } from "vitest";
import { webApi } from "@slack/bolt";
import { BudgetRegistry } from "../../src/reply/budget/budget.js";
import { followWithStatus } from "../../src/reply/status-line.js";
import { RefusalMemory } from "../../src/adapters/slack/refusal-memory.js";
import { SlackStatusLine, STATUS_RATE } from "../../src/adapters/slack/status-line.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

let slack: FakeSlack | undefined;
afterEach(async () => slack?.close());

/** One answer's events: a little text, a tool call, the rest of the text, done. */
async function* answer(i: number): AsyncGenerator<RuntimeEvent> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
  yield { type: "delta", text: `Looking into ${i}. `, messageId: `m${i}` };
  await pause();
  yield { type: "tool_start", toolCallId: `t${i}`, toolName: "grep" };
  await pause();
  yield { type: "tool_end", toolCallId: `t${i}`, toolName: "grep", success: true };
  yield { type: "delta", text: "Found it.", messageId: `m${i}` };
  await pause();
  yield { type: "done", aborted: false };
}

test("many answers at once in one workspace: no setStatus is refused as rate-limited, and every line ends cleared", async () => {
  const fake = await startFakeSlack();
  slack = fake;
  const answers = 30;
  const client = new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  fake.addUser({ id: "U1", name: "alice" });
  const budgets = new BudgetRegistry();
  const refusals = new RefusalMemory();
  const lines: Array<{ channel: string; threadTs: string; line: SlackStatusLine }> = [];
  for (let i = 0; i < answers; i++) {
    const channel = `C${i}`;
    fake.addChannel({ id: channel });
    const threadTs = fake.userSays({ channel, user: "U1", text: `question ${i}` }).message.ts;
    const budget = budgets.forScope(`slack:${fake.teamId}:assistant.threads.setStatus`, STATUS_RATE);
    lines.push({ channel, threadTs, line: new SlackStatusLine({ client, team: fake.teamId, channel, threadTs, refusals, budget }) });
  }

  // All at once, as the benchmark's mentions are: read the thread, then follow the answer's events to its end.
  await Promise.all(
    lines.map(async ({ line }, i) => {
      await line.reading();
      for await (const _event of followWithStatus(answer(i), line)) {
        // the answer's text would be streamed here
      }
    }),
  );
  await Promise.all(lines.map(({ line }) => line.settled()));

  expect(fake.callCounts.get("assistant.threads.setStatus")?.rateLimited ?? 0).toBe(0);
  for (const { channel, threadTs } of lines) {
    const state = fake.assistantThread(channel, threadTs);
    expect(state?.statuses[0]?.loadingMessages).toEqual(["Reading the thread…"]);
    expect(state?.status, `the status line of ${channel}`).toBe("");
  }
  // Intermediate statuses gave way to newer ones instead of spending the budget (at most 4 per answer otherwise).
  expect(fake.callsTo("assistant.threads.setStatus").length).toBeLessThanOrEqual(STATUS_RATE.calls);
}, 60_000);
