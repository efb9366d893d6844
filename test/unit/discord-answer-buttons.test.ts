/** The answer's buttons: what their custom_ids say, and which message carries which row as the answer goes. */
import pino from "pino";
import { expect, test } from "vitest";
import { feedbackRow, parseButton, stopRow, type ButtonRow } from "../../src/adapters/discord/answer-buttons.js";
import { AnswerButtons, writeThroughBudget } from "../../src/adapters/discord/answer-controls.js";
import { RateLimitedError, type EditBudget } from "../../src/reply/target.js";

const log = pino({ level: "silent" });
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

test("new messages carry Stop; at the end Stop comes off all but the last, which gets 👍 / 👎, once", async () => {
  const buttons = new AnswerButtons(ID);
  expect(customIds(buttons.forNewMessage())).toEqual([`threadpilot:stop:${ID}`]);
  for (const id of ["m1", "m2", "m3", "m4"]) buttons.posted(id);
  buttons.removed("m4"); // a retried answer needed fewer messages
  expect(customIds(buttons.rowsOf("m2"))).toEqual([`threadpilot:stop:${ID}`]);
  const writes: Array<[string, string[]]> = [];
  const writer = { setComponents: async (ref: { id: string }, rows: ButtonRow[]) => void writes.push([ref.id, customIds(rows)]) };
  await buttons.end(writer, log);
  await buttons.end(writer, log);
  expect(writes).toEqual([
    ["m1", []],
    ["m2", []],
    ["m3", [`threadpilot:vote:good:${ID}`, `threadpilot:vote:bad:${ID}`]],
  ]);
  expect(buttons.forNewMessage()).toEqual([]);
  expect(buttons.rowsOf("m3")).toEqual([]);
});

test("a failed write is logged and the rest still change", async () => {
  const buttons = new AnswerButtons(ID);
  buttons.posted("m1");
  buttons.posted("m2");
  const done: string[] = [];
  await buttons.end(
    {
      setComponents: async (ref) => {
        if (ref.id === "m1") throw new Error("Unknown Message");
        done.push(ref.id);
      },
    },
    log,
  );
  expect(done).toEqual(["m2"]);
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
