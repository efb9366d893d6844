/**
 * With a model that sees images, the images of the message being answered are downloaded with the bot token
 * (from the fake Slack, the host of SLACK_API_URL), checked by content, and reach the model as image parts.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { imageParts, lastUserText } from "../support/fake-model/server.js";
import { startSlackHarness, type SlackHarness } from "../support/fake-slack/harness.js";

// A real 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness({ vision: true });
});

afterAll(async () => {
  await h?.close();
});

test("the answered message's images reach the model; files that are not images do not", async () => {
  const files = [
    h.slack.addFile("chart.png", "image/png", PNG),
    h.slack.addFile("not-really.png", "image/png", Buffer.from("<html>login</html>")),
    h.slack.addFile("notes.txt", "text/plain", Buffer.from("hello")),
  ];
  h.model.script({ text: "I see a chart." });
  // A DM with files: the event itself carries them, and so does the thread.
  const { message } = h.slack.userSays({ channel: "D1", user: "U1", text: "what is in this picture?", files });
  await h.slack.waitFor(() => h.slack.botReplies("D1", message.ts).some((m) => m.text === "I see a chart."));
  await h.adapter.whenIdle();

  const request = h.model.requests.at(-1)!;
  expect(lastUserText(request.body)).toContain("what is in this picture? [+2 image(s)]");
  const images = imageParts(request.body);
  expect(images).toHaveLength(1);
  expect(images[0]!.url).toMatch(/^data:image\/png;base64,/);
  expect(h.slack.fileRequests.length).toBe(2);
  expect(h.slack.fileRequests.every((r) => r.authorized)).toBe(true);
});
