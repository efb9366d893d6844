/**
 * The fake Slack's AI-app methods against what Slack documents, through the real WebClient: native streams
 * (thread and recipients required in channels, 12,000 characters a call, append-only, closed ~5 minutes after the
 * start, per-method tiers, the scope), and the assistant thread's status line, prompts and title.
 */
import { afterEach, beforeEach, expect, test } from "vitest";
import { webApi } from "@slack/bolt";
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from "../support/fake-slack/index.js";

let slack: FakeSlack;
let client: webApi.WebClient;
let rootTs: string;
let dmRootTs: string;

async function start(options: FakeSlackOptions = {}): Promise<void> {
  slack = await startFakeSlack(options);
  slack.addChannel({ id: "C1" });
  slack.addChannel({ id: "D1", type: "im" });
  slack.addUser({ id: "U1", name: "alice" });
  rootTs = slack.userSays({ channel: "C1", user: "U1", text: "question" }).message.ts;
  dmRootTs = slack.userSays({ channel: "D1", user: "U1", text: "dm question" }).message.ts;
  client = new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

beforeEach(async () => start());
afterEach(async () => slack.close());

const inChannel = () => ({
  channel: "C1",
  thread_ts: rootTs,
  recipient_user_id: "U1",
  recipient_team_id: slack.teamId,
});

async function errorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const coded = error as { code?: string; data?: { error?: string } };
    return coded.code === "slack_webapi_rate_limited_error" ? "ratelimited" : (coded.data?.error ?? String(error));
  }
  return "ok";
}

test("a stream starts, grows by appends only, and stops with blocks at the bottom", async () => {
  const started = await client.chat.startStream({ ...inChannel(), markdown_text: "Hello" });
  const ts = started.ts!;
  await client.chat.appendStream({ channel: "C1", ts, markdown_text: ", **world**" });
  await client.chat.appendStream({ channel: "C1", ts, markdown_text: "!\n" });
  const blocks = [{ type: "context_actions", elements: [{ type: "feedback_buttons", action_id: "fb" }] }];
  await client.chat.stopStream({ channel: "C1", ts, markdown_text: "Done.", blocks } as never);
  const [reply] = slack.botReplies("C1", rootTs);
  expect(reply!.text).toBe("Hello, **world**!\nDone.");
  expect(reply!.edits).toEqual(["Hello", "Hello, **world**", "Hello, **world**!\n", "Hello, **world**!\nDone."]);
  expect(reply!.blocks).toEqual(blocks);
  expect(reply!.stream).toMatchObject({ open: false, appends: 3 });
  expect(await errorOf(client.chat.appendStream({ channel: "C1", ts, markdown_text: "more" }))).toBe(
    "message_not_in_streaming_state",
  );
});

test("the text may come as chunks, as @slack/web-api's ChatStreamer sends it; a malformed list is refused", async () => {
  const ts = (await client.chat.startStream({ ...inChannel(), chunks: [{ type: "markdown_text", text: "One " }] })).ts!;
  await client.chat.appendStream({ channel: "C1", ts, chunks: [{ type: "markdown_text", text: "two " }] });
  // A task card shows no message text; the stop's chunks end the text.
  await client.chat.appendStream({
    channel: "C1",
    ts,
    chunks: [{ type: "task_update", id: "t1", title: "Looking", status: "in_progress" }],
  } as never);
  await client.chat.stopStream({ channel: "C1", ts, chunks: [{ type: "markdown_text", text: "three." }] });
  expect(slack.workspace.message("C1", ts)!.text).toBe("One two three.");
  const other = (await client.chat.startStream({ ...inChannel(), markdown_text: "x" })).ts!;
  expect(
    await errorOf(client.chat.appendStream({ channel: "C1", ts: other, chunks: [{ text: "no type" }] } as never)),
  ).toBe("invalid_arguments");
  expect(
    await errorOf(
      client.chat.appendStream({
        channel: "C1",
        ts: other,
        chunks: [{ type: "markdown_text", text: "y".repeat(12_001) }],
      }),
    ),
  ).toBe("msg_too_long");
});

test("in a channel the thread and both recipient ids are required; in a DM the recipient is implied", async () => {
  const { recipient_team_id: _t, ...noTeam } = inChannel();
  expect(await errorOf(client.chat.startStream(noTeam as never))).toBe("invalid_arguments");
  expect(
    await errorOf(
      client.chat.startStream({ channel: "C1", recipient_user_id: "U1", recipient_team_id: slack.teamId } as never),
    ),
  ).toBe("invalid_arguments");
  expect(await errorOf(client.chat.startStream({ channel: "D1", thread_ts: dmRootTs }))).toBe("ok");
  expect(await errorOf(client.chat.startStream({ ...inChannel(), channel: "C404" }))).toBe("channel_not_found");
});

test("markdown_text takes at most 12,000 characters per call", async () => {
  expect(await errorOf(client.chat.startStream({ ...inChannel(), markdown_text: "x".repeat(12_001) }))).toBe(
    "msg_too_long",
  );
  const ts = (await client.chat.startStream({ ...inChannel(), markdown_text: "x".repeat(12_000) })).ts!;
  expect(await errorOf(client.chat.appendStream({ channel: "C1", ts, markdown_text: "y".repeat(12_001) }))).toBe(
    "msg_too_long",
  );
  expect(await errorOf(client.chat.appendStream({ channel: "C1", ts, markdown_text: "y".repeat(12_000) }))).toBe("ok");
  expect(slack.botReplies("C1", rootTs)[0]!.text.length).toBe(24_000);
});

test("Slack closes a stream its lifetime after the start: later appends and stops are refused, the text stays", async () => {
  slack.streamLifetimeMs = 150;
  const ts = (await client.chat.startStream({ ...inChannel(), markdown_text: "kept" })).ts!;
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await errorOf(client.chat.appendStream({ channel: "C1", ts, markdown_text: " lost" }))).toBe(
    "message_not_in_streaming_state",
  );
  expect(await errorOf(client.chat.stopStream({ channel: "C1", ts }))).toBe("message_not_in_streaming_state");
  expect(slack.botReplies("C1", rootTs)[0]!.text).toBe("kept");
  // Once closed, the message can be edited like any other.
  expect(await errorOf(client.chat.update({ channel: "C1", ts, text: "kept, edited" }))).toBe("ok");
});

test("a streaming message cannot be chat.update-d until its stream stops", async () => {
  const ts = (await client.chat.startStream({ ...inChannel(), markdown_text: "a" })).ts!;
  expect(await errorOf(client.chat.update({ channel: "C1", ts, text: "b" }))).toBe("cant_update_message");
  await client.chat.stopStream({ channel: "C1", ts });
  expect(await errorOf(client.chat.update({ channel: "C1", ts, text: "b" }))).toBe("ok");
});

test("each method has its own per-workspace tier: a full window answers 429 with Retry-After", async () => {
  await slack.close();
  await start({
    methodLimits: { "chat.startStream": { calls: 2, perMs: 60_000 }, "chat.appendStream": { calls: 3, perMs: 60_000 } },
  });
  const ts = (await client.chat.startStream(inChannel())).ts!;
  await client.chat.startStream(inChannel());
  expect(await errorOf(client.chat.startStream(inChannel()))).toBe("ratelimited");
  for (let i = 0; i < 3; i++) await client.chat.appendStream({ channel: "C1", ts, markdown_text: `${i}` });
  expect(await errorOf(client.chat.appendStream({ channel: "C1", ts, markdown_text: "x" }))).toBe("ratelimited");
  // chat.stopStream has its own window, untouched by the others.
  expect(await errorOf(client.chat.stopStream({ channel: "C1", ts }))).toBe("ok");
  expect(slack.callCounts.get("chat.startStream")).toMatchObject({ ok: 2, rateLimited: 1 });
});

test("the documented tiers are the default: Tier 2 start/stop, Tier 4 append", async () => {
  for (let i = 0; i < 20; i++) expect(await errorOf(client.chat.startStream(inChannel()))).toBe("ok");
  expect(await errorOf(client.chat.startStream(inChannel()))).toBe("ratelimited");
});

test("without chat:write the streaming methods answer missing_scope; setStatus takes assistant:write or chat:write", async () => {
  slack.scopes.delete("chat:write");
  expect(await errorOf(client.chat.startStream(inChannel()))).toBe("missing_scope");
  expect(
    await errorOf(client.assistant.threads.setStatus({ channel_id: "C1", thread_ts: rootTs, status: "is thinking…" })),
  ).toBe("ok");
  slack.scopes.delete("assistant:write");
  expect(
    await errorOf(client.assistant.threads.setStatus({ channel_id: "C1", thread_ts: rootTs, status: "is thinking…" })),
  ).toBe("missing_scope");
  slack.scopes.add("chat:write");
  expect(
    await errorOf(client.assistant.threads.setStatus({ channel_id: "C1", thread_ts: rootTs, status: "is thinking…" })),
  ).toBe("ok");
});

test("a refusal set up by a test answers its error, in one channel or everywhere", async () => {
  slack.refuse({ method: "chat.startStream", error: "not_allowed", channel: "C1" });
  expect(await errorOf(client.chat.startStream(inChannel()))).toBe("not_allowed");
  expect(await errorOf(client.chat.startStream({ channel: "D1", thread_ts: dmRootTs }))).toBe("ok");
  slack.refuse({ method: "chat.startStream", error: "unknown_method" });
  expect(await errorOf(client.chat.startStream({ channel: "D1", thread_ts: dmRootTs }))).toBe("unknown_method");
  slack.allow("chat.startStream");
  expect(await errorOf(client.chat.startStream(inChannel()))).toBe("ok");
});

test("the status line is kept per thread, at most 10 loading messages, and cleared by the bot's next message", async () => {
  await client.assistant.threads.setStatus({
    channel_id: "C1",
    thread_ts: rootTs,
    status: "is working…",
    loading_messages: ["Reading the thread…", "Thinking…"],
  });
  expect(slack.assistantThread("C1", rootTs)).toMatchObject({
    status: "is working…",
    loadingMessages: ["Reading the thread…", "Thinking…"],
  });
  const tooMany = Array.from({ length: 11 }, (_, i) => `m${i}`);
  expect(
    await errorOf(
      client.assistant.threads.setStatus({
        channel_id: "C1",
        thread_ts: rootTs,
        status: "x",
        loading_messages: tooMany,
      }),
    ),
  ).toBe("invalid_arguments");
  expect(
    await errorOf(client.assistant.threads.setStatus({ channel_id: "C1", thread_ts: "1.000001", status: "x" })),
  ).toBe("invalid_thread_ts");
  await client.chat.postMessage({ channel: "C1", thread_ts: rootTs, text: "answer" });
  expect(slack.assistantThread("C1", rootTs)!.status).toBe("");
  expect(slack.assistantThread("C1", rootTs)!.statuses.map((s) => s.status)).toEqual(["is working…"]);
});

test("suggested prompts and a title are kept per assistant thread", async () => {
  await client.assistant.threads.setSuggestedPrompts({
    channel_id: "D1",
    thread_ts: dmRootTs,
    title: "Try",
    prompts: [{ title: "Summarise", message: "Summarise this channel" }],
  });
  await client.assistant.threads.setTitle({ channel_id: "D1", thread_ts: dmRootTs, title: "About deploys" });
  expect(slack.assistantThread("D1", dmRootTs)).toMatchObject({
    prompts: { title: "Try", prompts: [{ title: "Summarise", message: "Summarise this channel" }] },
    title: "About deploys",
  });
  expect(
    await errorOf(
      client.assistant.threads.setSuggestedPrompts({ channel_id: "D1", thread_ts: dmRootTs, prompts: [] as never }),
    ),
  ).toBe("invalid_arguments");
});

test("users.info tells admins and owners", async () => {
  slack.addUser({ id: "UA", name: "admin", isAdmin: true });
  slack.addUser({ id: "UO", name: "owner", isOwner: true });
  const admin = await client.users.info({ user: "UA" });
  const owner = await client.users.info({ user: "UO" });
  const plain = await client.users.info({ user: "U1" });
  expect([admin.user?.is_admin, owner.user?.is_owner, owner.user?.is_admin, plain.user?.is_admin]).toEqual([
    true,
    true,
    true,
    false,
  ]);
});
