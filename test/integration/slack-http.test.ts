/**
 * HTTP Events API mode (no app token): Bolt verifies Slack's signature; a forged or stale request is refused,
 * a signed one is answered, and a signed retry (X-Slack-Retry-Num) does not answer twice.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { SIGNATURE_WARNING } from "../../src/adapters/slack/signature-warning.js";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";

let h: SlackHarness;
let mention: string;

beforeAll(async () => {
  h = await startSlackHarness({ mode: "http" });
  mention = `<@${h.slack.botUserId}>`;
});

afterAll(async () => {
  await h?.close();
});

function eventBody(text: string, ts: string) {
  return JSON.stringify({
    team_id: h.slack.teamId,
    api_app_id: h.slack.appId,
    type: "event_callback",
    event_id: `EvForged${ts.replace(".", "")}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "app_mention", user: "U1", text, ts, channel: "C1", event_ts: ts },
  });
}

test("a request with a bad or stale signature is refused and never reaches the model", async () => {
  const before = h.model.requests.length;
  const root = h.slack.workspace.post({ channel: "C1", user: "U1", text: `${mention} forged` });
  const body = eventBody(`${mention} forged`, root.ts);

  const forged = await fetch(h.eventsUrl!, {
    method: "POST",
    headers: { "content-type": "application/json", ...h.slack.sign(body), "x-slack-signature": `v0=${"0".repeat(64)}` },
    body,
  });
  expect(forged.status).toBe(401);
  const stale = await fetch(h.eventsUrl!, {
    method: "POST",
    headers: { "content-type": "application/json", ...h.slack.sign(body, Math.floor(Date.now() / 1000) - 3600) },
    body,
  });
  expect(stale.status).toBe(401);
  const unsigned = await fetch(h.eventsUrl!, { method: "POST", headers: { "content-type": "application/json" }, body });
  expect(unsigned.status).toBe(401);
  // Three refusals, one warning naming the setting: whoever sends bad requests does not decide how much we log.
  expect(h.logs.filter((l) => (l.level as number) >= 40).map((l) => l.msg)).toEqual([SIGNATURE_WARNING]);

  // A correctly signed mention afterwards is answered, and it is the only model request.
  h.model.script({ text: "Signed and answered." });
  const { message, mentionEventId } = h.slack.userSays({ channel: "C1", user: "U1", text: `${mention} signed` });
  await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts).some((m) => m.text === "Signed and answered."));
  await h.adapter.whenIdle();
  const delivery = h.slack.deliveries.find((d) => d.eventId === mentionEventId);
  expect(delivery).toMatchObject({ via: "http", status: 200, acked: true });
  expect(h.model.requests.length).toBe(before + 1);
  expect(h.slack.botReplies("C1", root.ts)).toEqual([]);
});

test("a signed retry over HTTP does not answer twice", async () => {
  h.model.script({ text: "Only once over HTTP." });
  const before = h.model.requests.length;
  const { message, mentionEventId } = h.slack.userSays({ channel: "C1", user: "U2", text: `${mention} retry me` });
  h.slack.redeliver(mentionEventId!, 1);
  await h.slack.waitFor(() => h.slack.deliveries.filter((d) => d.eventId === mentionEventId && d.status === 200).length === 2);
  await h.waitForLog("Slack message already handled; not answering again");
  await h.slack.waitFor(() => h.slack.botReplies("C1", message.ts).some((m) => m.text === "Only once over HTTP."));
  await h.adapter.whenIdle();
  expect(h.model.requests.length).toBe(before + 1);
  expect(h.slack.botReplies("C1", message.ts)).toHaveLength(1);
});
