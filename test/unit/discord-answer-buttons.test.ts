/** The answer's buttons: what their custom_ids say, and which message carries which row as the answer goes. */
import { expect, test } from "vitest";
import { feedbackRow, parseButton, stopRow, type ButtonRow } from "../../src/adapters/discord/answer-buttons.js";
import { AnswerButtons, clearStaleStops, writeThroughBudget } from "../../src/adapters/discord/answer-controls.js";
import { RateLimitedError, type EditBudget } from "../../src/reply/target.js";

const ID = "1234567890123456789";
const customIds = (rows: ButtonRow[]) => rows.flatMap((r) => r.components.map((b) => ("custom_id" in b ? b.custom_id : "")));

test("custom_ids name the action and the answer, fit Discord's 100 characters, and parse back", () => {
  const ids = [...customIds([stopRow(ID)]), ...customIds([feedbackRow(ID)])];
  expect(ids.every((id) => id.length <= 100)).toBe(true);
  expect(ids.map(parseButton)).toEqual([
    { kind: "stop", answerId: ID },
    { kind: "vote", vote: "good", answerId: ID },
    { kind: "vote", vote: "bad", answerId: ID },
  ]);
  for (const other of ["stop:1", "threadpilot:stop:abc", "threadpilot:vote:meh:1", "threadpilot:stop:1:2", ""]) {
    expect(parseButton(other)).toBeUndefined();
  }
});

test("the 👍 / 👎 row highlights the choice and shows counts only after a press", () => {
  const plain = feedbackRow(ID).components;
  expect(plain.map((b) => ("label" in b ? b.label : undefined))).toEqual([undefined, undefined]);
  const pressed = feedbackRow(ID, { chosen: "bad", counts: { good: 3, bad: 1 } }).components;
  expect(pressed.map((b) => b.style)).toEqual([2, 1]);
  expect(pressed.map((b) => ("label" in b ? b.label : undefined))).toEqual(["3", "1"]);
});

test("an edit sends components only when the message's buttons change (Discord keeps them otherwise)", () => {
  const buttons = new AnswerButtons(ID);
  expect(customIds(buttons.forPost("stop")!)).toEqual([`threadpilot:stop:${ID}`]);
  expect(buttons.forPost("none")).toBeUndefined();
  expect(buttons.forPost(undefined)).toBeUndefined();
  buttons.shows("m1", "stop");
  // Streaming edits of a message showing Stop: nothing to send.
  expect(buttons.forEdit("m1", "stop")).toBeUndefined();
  expect(buttons.forEdit("m1", undefined)).toBeUndefined();
  // Sealed (the answer moved on): Stop comes off; the final edit of the last one carries 👍 / 👎.
  expect(buttons.forEdit("m1", "none")).toEqual([]);
  buttons.shows("m2", "stop");
  expect(customIds(buttons.forEdit("m2", "feedback")!)).toEqual([`threadpilot:vote:good:${ID}`, `threadpilot:vote:bad:${ID}`]);
  buttons.shows("m1", "none");
  buttons.shows("m2", "feedback");
  expect(buttons.forEdit("m2", "feedback")).toBeUndefined();
  expect(buttons.stillStopping()).toEqual([]);
});

test("an answer that ended without its final call loses its stale Stops, through the budget; a failed write is let go", async () => {
  const buttons = new AnswerButtons(ID);
  for (const id of ["m1", "m2", "m3"]) buttons.shows(id, "stop");
  buttons.removed("m3"); // a retried answer needed fewer messages
  buttons.shows("m2", "none");
  buttons.shows("m4", "stop");
  const writes: Array<[string, string[]]> = [];
  const budget: EditBudget = { take: async () => undefined, pause: () => undefined };
  await clearStaleStops(buttons, budget, async (id, rows) => {
    if (id === "m4") throw new Error("Unknown Message");
    writes.push([id, customIds(rows)]);
  });
  expect(writes).toEqual([["m1", []]]);
  expect(buttons.stillStopping()).toEqual(["m4"]);
});

test("a components write waits out a 429 through the budget, and gives up on a refusal at once", async () => {
  const pauses: number[] = [];
  const budget: EditBudget = { take: async () => undefined, pause: (ms) => void pauses.push(ms) };
  let calls = 0;
  await writeThroughBudget(budget, async () => {
    if (++calls === 1) throw new RateLimitedError(250);
  });
  expect([calls, pauses]).toEqual([2, [250]]);
  calls = 0;
  await expect(writeThroughBudget(budget, async () => {
    calls++;
    throw new Error("Missing Permissions");
  })).rejects.toThrow("Missing Permissions");
  expect(calls).toBe(1);
});
