import { expect, test } from "vitest";
import { parseEventBody, parseMessageEvent, parseReactionEvent } from "../../src/adapters/slack/event-shape.js";

test("a well-formed message event is read with its files; nulls read as absent, unknown fields are dropped", () => {
  const parsed = parseMessageEvent({
    type: "message",
    channel: "C1",
    ts: "1700000000.000100",
    user: "U1",
    text: "hello",
    bot_id: null,
    blocks: [{ type: "rich_text" }],
    files: [{ id: "F1", name: "a.png", mimetype: "image/png", url_private: "https://files.slack.com/a.png", size: 10, extra: 1 }],
  });
  expect(parsed).toEqual({
    ok: true,
    value: expect.objectContaining({ type: "message", channel: "C1", user: "U1", text: "hello", bot_id: undefined }),
  });
  if (parsed.ok) {
    expect(parsed.value.files).toEqual([expect.objectContaining({ id: "F1", name: "a.png", size: 10 })]);
    expect(parsed.value).not.toHaveProperty("blocks");
  }
});

test("fields of the wrong type make the event malformed; the problem names fields, never values", () => {
  const cases: unknown[] = [
    null,
    "garbage",
    42,
    [],
    { channel: "C1" }, // no type
    { type: "message", channel: 42, ts: "1.2" },
    { type: "message", channel: "C1", ts: { a: 1 } },
    { type: "app_mention", channel: "C1", ts: "1.2", text: ["secret-value"] },
    { type: "message", channel: "C1", ts: "1.2", files: "nope" },
    { type: "message", channel: "C1", ts: "1.2", files: [{ size: "big" }] },
    { type: "message", channel: "C1", ts: "1.2", hidden: "yes" },
  ];
  for (const input of cases) {
    const parsed = parseMessageEvent(input);
    expect(parsed.ok, JSON.stringify(input)).toBe(false);
    if (!parsed.ok) expect(parsed.problem).not.toContain("secret-value");
  }
});

test("reaction events need who, what and which message; a broken envelope reads as empty", () => {
  expect(parseReactionEvent({ type: "reaction_added", user: "U1", reaction: "x", item: { type: "message", channel: "C1", ts: "1.2" } }).ok).toBe(true);
  for (const input of [
    { type: "reaction_added", user: "U1", reaction: "x" },
    { type: "reaction_added", user: "U1", item: { type: "message" } },
    { type: "reaction_added", reaction: "x", item: { type: "message" } },
    { type: "reaction_added", user: "U1", reaction: 3, item: { type: "message" } },
    { type: "reaction_removed", user: "U1", reaction: "x", item: { type: "message" } },
  ]) {
    expect(parseReactionEvent(input).ok, JSON.stringify(input)).toBe(false);
  }
  expect(parseEventBody({ team_id: "T1", event_id: "Ev1" })).toEqual({ team_id: "T1", event_id: "Ev1" });
  expect(parseEventBody({ team_id: 5 })).toEqual({ team_id: undefined, event_id: undefined });
  expect(parseEventBody(undefined)).toEqual({ team_id: undefined, event_id: undefined });
});
