/**
 * The Slack reply target against the fake Slack through the real WebClient: posts land in the thread, edits are
 * recorded, Slack's 429 becomes RateLimitedError (never a silent client-side sleep), msg_too_long an Error.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { pino } from "pino";
import { createSlackConnection } from "../../src/adapters/slack/connection.js";
import { SlackReplyTarget } from "../../src/adapters/slack/reply-target.js";
import { BudgetRegistry } from "../../src/reply/budget/budget.js";
import { RateLimitedError, TransientPlatformError } from "../../src/reply/target.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

let slack: FakeSlack;
let target: SlackReplyTarget;
let rootTs: string;

beforeAll(async () => {
  slack = await startFakeSlack({ updateLimit: { calls: 2, perMs: 60_000 }, postLimit: { calls: 100, perMs: 1_000 } });
  slack.addChannel({ id: "C1" });
  slack.addUser({ id: "U1", name: "alice" });
  rootTs = slack.userSays({ channel: "C1", user: "U1", text: "root" }).message.ts;
  const { writeClient } = createSlackConnection({
    botToken: slack.botToken,
    signingSecret: "unused",
    apiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    logger: pino({ level: "silent" }),
  });
  const budgets = new BudgetRegistry();
  target = new SlackReplyTarget({
    client: writeClient,
    channel: "C1",
    threadTs: rootTs,
    budget: budgets.forScope("update", { calls: 100, perMs: 1_000 }),
    postBudget: budgets.forScope("post", { calls: 100, perMs: 1_000 }),
  });
});

afterAll(async () => {
  await slack.close();
});

test("posts, edits and deletes in the thread; errors are ones the streamer understands", async () => {
  expect(target.maxMessageLength).toBeLessThan(4_000);
  expect(target.postUsesBudget).toBe(false);
  const ref = await target.post("_Thinking…_");
  await target.edit(ref, "first words");
  await target.edit(ref, "first words and more");
  const [reply] = slack.botReplies("C1", rootTs);
  expect(reply!.edits).toEqual(["_Thinking…_", "first words", "first words and more"]);

  // Over the (test-sized) chat.update limit: RateLimitedError with Slack's Retry-After, not a client-side wait.
  const limited = await target.edit(ref, "third edit").catch((e: unknown) => e);
  expect(limited).toBeInstanceOf(RateLimitedError);
  expect((limited as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(1_000);
  expect(slack.callsTo("chat.update").map((c) => c.status)).toEqual([200, 200, 429]);

  const tooLong = await target.post("x".repeat(4_001)).catch((e: unknown) => e);
  expect(tooLong).toBeInstanceOf(Error);
  expect(String(tooLong)).toContain("msg_too_long");

  const extra = await target.post("a continuation");
  await target.delete(extra);
  await target.delete(extra); // already gone: not an error
  expect(slack.botReplies("C1", rootTs).map((m) => m.text)).toEqual(["first words and more"]);
});

test("the fake Slack refuses what Slack refuses", async () => {
  const call = (method: string, body: Record<string, string>, token = slack.botToken) =>
    fetch(`${slack.apiUrl}${method}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body),
    }).then((r) => r.json() as Promise<{ ok: boolean; error?: string; url?: string }>);
  expect(await call("auth.test", {}, "xoxb-wrong")).toMatchObject({ ok: false, error: "invalid_auth" });
  expect(await call("apps.connections.open", {})).toMatchObject({ ok: false, error: "not_allowed_token_type" });
  expect(await call("apps.connections.open", {}, slack.appToken)).toMatchObject({ ok: true });
  expect(await call("chat.postMessage", { channel: "C404", text: "x" })).toMatchObject({ error: "channel_not_found" });
  expect(await call("chat.update", { channel: "C1", ts: rootTs, text: "x" })).toMatchObject({ error: "cant_update_message" });
  expect(await call("chat.postMessage", { channel: "C1", text: "" })).toMatchObject({ error: "no_text" });
});

test("Slack's passing trouble becomes TransientPlatformError; a refusal does not; each failed call is one request", async () => {
  const ref = await target.post("a reply");
  const updatesBefore = slack.callsTo("chat.update").length;
  const editFails = async () => target.edit(ref, "new text").catch((e: unknown) => e);
  for (const [fault, says] of [
    [{ kind: "http", status: 500 }, "HTTP 500"],
    [{ kind: "http", status: 503 }, "HTTP 503"],
    [{ kind: "error", error: "internal_error" }, "internal_error"],
    [{ kind: "error", error: "fatal_error" }, "fatal_error"],
    [{ kind: "error", error: "service_unavailable" }, "service_unavailable"],
    [{ kind: "error", error: "request_timeout" }, "request_timeout"],
    [{ kind: "reset" }, "could not be reached"],
  ] as const) {
    slack.faults.fail(["chat.update"], fault, 60_000);
    const error = await editFails();
    slack.faults.clear();
    expect(error, JSON.stringify(fault)).toBeInstanceOf(TransientPlatformError);
    expect(String(error)).toContain(says);
  }
  // No retry inside the client: seven faults, seven requests.
  expect(slack.callsTo("chat.update").length - updatesBefore).toBe(7);

  slack.faults.fail(["chat.postMessage"], { kind: "http", status: 502 }, 60_000);
  expect(await target.post("another").catch((e: unknown) => e)).toBeInstanceOf(TransientPlatformError);
  slack.faults.clear();

  // A refusal (the message is gone) is not passing trouble.
  slack.faults.fail(["chat.update"], { kind: "error", error: "message_not_found" }, 60_000);
  const refused = await editFails();
  slack.faults.clear();
  expect(refused).toBeInstanceOf(Error);
  expect(refused).not.toBeInstanceOf(TransientPlatformError);
});
