import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { fetchImages, isTrustedFileHost } from "../../src/adapters/slack/image-fetch.js";
import { detectImageType } from "../../src/media/image-type.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

const logger = pino({ level: "silent" });
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const GIF = Buffer.from("GIF89a....");
const WEBP = Buffer.concat([Buffer.from("RIFF"), Buffer.from([0, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);

let slack: FakeSlack;
let elsewhere: Server;
let elsewhereUrl: string;
const elsewhereHeaders: Array<string | undefined> = [];

beforeAll(async () => {
  slack = await startFakeSlack();
  elsewhere = createServer((req, res) => {
    elsewhereHeaders.push(req.headers.authorization);
    res.writeHead(200, { "content-type": "image/png" }).end(PNG);
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/evil.png`;
});

afterAll(async () => {
  await slack.close();
  await new Promise((resolve) => elsewhere.close(resolve));
});

test("image types come from the bytes", () => {
  expect(detectImageType(PNG)).toBe("image/png");
  expect(detectImageType(JPEG)).toBe("image/jpeg");
  expect(detectImageType(GIF)).toBe("image/gif");
  expect(detectImageType(WEBP)).toBe("image/webp");
  expect(detectImageType(Buffer.from("<html>"))).toBeUndefined();
  expect(detectImageType(Buffer.alloc(0))).toBeUndefined();
});

test("the token goes only to Slack's hosts and the API host", () => {
  const api = "http://127.0.0.1:4000/api/";
  expect(isTrustedFileHost(new URL("https://files.slack.com/x.png"), api)).toBe(true);
  expect(isTrustedFileHost(new URL("https://files.slack-gov.com/x.png"), api)).toBe(true);
  expect(isTrustedFileHost(new URL("http://127.0.0.1:4000/files/x"), api)).toBe(true);
  expect(isTrustedFileHost(new URL("http://127.0.0.1:4001/files/x"), api)).toBe(false);
  expect(isTrustedFileHost(new URL("http://files.slack.com/x.png"))).toBe(false);
  expect(isTrustedFileHost(new URL("https://slack.com.evil.dev/x.png"))).toBe(false);
  expect(isTrustedFileHost(new URL("https://evilslack.com/x.png"))).toBe(false);
});

test("images are downloaded with the bot token, typed by content, capped in size and count", async () => {
  const png = slack.addFile("photo.jpg", "image/jpeg", PNG); // named jpg, really a PNG
  const fake = slack.addFile("fake.png", "image/png", Buffer.from("<html>not an image</html>"));
  const big = slack.addFile("big.png", "image/png", Buffer.concat([PNG, Buffer.alloc(5000)]));
  const pdf = slack.addFile("doc.pdf", "application/pdf", Buffer.from("%PDF"));
  const gif = slack.addFile("g.gif", "image/gif", GIF);
  const files = [png, fake, big, pdf, gif, { mimetype: "image/png", url_private: elsewhereUrl }].map((f) => ({ ...f, size: undefined }));

  const { images, skips } = await fetchImages(files, { botToken: slack.botToken, apiUrl: slack.apiUrl, maxBytes: 1000, logger });
  expect(images.map((i) => [i.displayName, i.mimeType])).toEqual([
    ["photo.jpg", "image/png"],
    ["g.gif", "image/gif"],
  ]);
  expect(images[0]!.data.equals(PNG)).toBe(true);
  // The PDF is not presented as an image; the host outside Slack is a failed download, and the user hears of it.
  expect(skips).toEqual({ tooMany: 0, tooLarge: 1, notImage: 1, failed: 1 });
  expect(slack.fileRequests.every((r) => r.authorized)).toBe(true);
  expect(elsewhereHeaders).toEqual([]); // never even asked

  const capped = await fetchImages([png, gif, png], { botToken: slack.botToken, apiUrl: slack.apiUrl, maxCount: 2, logger });
  expect(capped.images).toHaveLength(2);
  expect(capped.skips.tooMany).toBe(1);

  // A fake among the first ones does not take a real image's place.
  const text = slack.addFile("notes.txt", "text/plain", Buffer.from("hello"));
  const mixed = await fetchImages([fake, png, gif, text], { botToken: slack.botToken, apiUrl: slack.apiUrl, maxCount: 2, logger });
  expect(mixed.images.map((i) => i.displayName)).toEqual(["photo.jpg", "g.gif"]);
  expect(mixed.skips).toEqual({ tooMany: 0, tooLarge: 0, notImage: 1, failed: 0 });

  const wrongToken = await fetchImages([png], { botToken: "xoxb-wrong", apiUrl: slack.apiUrl, logger });
  expect(wrongToken.images).toEqual([]); // Slack's login page is not an image
});
