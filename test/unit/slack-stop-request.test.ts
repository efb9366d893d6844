import { expect, test } from "vitest";
import { isStopReaction, isStopText } from "../../src/adapters/slack/stop-request.js";

test("a message that says only stop, in any case and with or without the bot's mention, is a stop", () => {
  for (const text of ["stop", "Stop", "STOP", "stop!", " stop. ", "<@U0BOT> stop", "<@U0BOT|threadpilot>   Stop"]) {
    expect(isStopText(text, "U0BOT"), text).toBe(true);
  }
  for (const text of [undefined, "", "stop it", "please stop", "don't stop", "stopwatch", "<@U0OTHER> stop", "stop stop"]) {
    expect(isStopText(text, "U0BOT"), String(text)).toBe(false);
  }
});

test("raised hand, hand and x reactions stop, whatever the skin tone; others do not", () => {
  for (const name of ["raised_hand", "hand", "x", "raised_hand::skin-tone-3"]) expect(isStopReaction(name), name).toBe(true);
  for (const name of ["thumbsup", "+1", "heavy_multiplication_x", "raised_hands", "xx"]) expect(isStopReaction(name), name).toBe(false);
});
