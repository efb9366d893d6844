import { Collection, type Message } from "discord.js";
import { pino } from "pino";
import { describe, expect, test, vi } from "vitest";
import { fetchImages, isDiscordAttachmentHost } from "../../src/adapters/discord/image-fetch.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const logger = pino({ level: "silent" });

function messageWith(attachments: Array<{ url: string; contentType: string | null; size?: number; name?: string }>): Message {
  const collection = new Collection(
    attachments.map((a, i) => [String(i), { id: String(i), name: a.name ?? `f${i}`, size: a.size ?? 100, ...a }] as const),
  );
  return { attachments: collection } as unknown as Message;
}

describe("isDiscordAttachmentHost", () => {
  test.each([
    ["https://cdn.discordapp.com/attachments/1/2/a.png", undefined, true],
    ["https://media.discordapp.net/attachments/1/2/a.png", undefined, true],
    ["http://cdn.discordapp.com/attachments/1/2/a.png", undefined, false],
    ["https://cdn.discordapp.com.evil.test/a.png", undefined, false],
    ["https://example.com/a.png", undefined, false],
    ["http://127.0.0.1:4000/attachments/1/2/a.png", "http://127.0.0.1:4000/api", true],
    ["http://127.0.0.1:4001/attachments/1/2/a.png", "http://127.0.0.1:4000/api", false],
  ])("%s (api %s) → %s", (url, api, expected) => {
    expect(isDiscordAttachmentHost(new URL(url), api)).toBe(expected);
  });
});

describe("fetchImages", () => {
  test("keeps images whose bytes are images, typed by the bytes; skips other hosts, oversized files and non-images", async () => {
    const bodies: Record<string, Buffer> = {
      "https://cdn.discordapp.com/a/real.webp": PNG, // claims webp, is a PNG
      "https://cdn.discordapp.com/a/text.png": Buffer.from("not an image"),
    };
    const fetchStub = vi.fn(async (url: URL | Request | string) => new Response(bodies[String(url)] ?? null, { status: bodies[String(url)] ? 200 : 404 }));
    const message = messageWith([
      { url: "https://cdn.discordapp.com/a/real.webp", contentType: "image/webp", name: "real.webp" },
      { url: "https://cdn.discordapp.com/a/text.png", contentType: "image/png" },
      { url: "https://cdn.discordapp.com/a/huge.png", contentType: "image/png", size: 50_000_000 },
      { url: "https://elsewhere.test/a.png", contentType: "image/png" },
      { url: "https://cdn.discordapp.com/a/doc.pdf", contentType: "application/pdf" },
      { url: "https://cdn.discordapp.com/a/gone.png", contentType: "image/png" },
    ]);
    const { images, notices } = await fetchImages(message, { logger, fetch: fetchStub as typeof fetch });
    expect(images).toEqual([{ data: PNG, mimeType: "image/png", displayName: "real.webp" }]);
    // The other host and the 404 are failed downloads: the user hears of them too.
    expect(notices).toEqual([
      "I couldn't look at 1 image larger than 10 MB, 1 file that is not a PNG, JPEG, GIF or WebP image and 2 images I could not download.",
    ]);
    const fetched = fetchStub.mock.calls.map(([url]) => String(url));
    expect(fetched).not.toContain("https://elsewhere.test/a.png");
    expect(fetched).not.toContain("https://cdn.discordapp.com/a/huge.png");
    expect(fetched).not.toContain("https://cdn.discordapp.com/a/doc.pdf");
  });

  test("stops reading a body past the size cap, and takes at most maxCount images", async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(600_000)]);
    const fetchStub = vi.fn(async () => new Response(big));
    const message = messageWith([1, 2, 3].map((n) => ({ url: `https://cdn.discordapp.com/a/${n}.png`, contentType: "image/png", size: 10 })));
    expect(await fetchImages(message, { logger, fetch: fetchStub as typeof fetch, maxBytes: 512 * 1024 })).toMatchObject({
      images: [],
      notices: ["I couldn't look at 3 images larger than 0.5 MB."],
    });
    fetchStub.mockImplementation(async () => new Response(PNG));
    const capped = await fetchImages(message, { logger, fetch: fetchStub as typeof fetch, maxCount: 2 });
    expect(capped.images).toHaveLength(2);
    expect(capped.notices).toEqual(["I couldn't look at 1 image beyond the first 2."]);
  });

  test("takes the images of several messages in order, the limit counted over all of them", async () => {
    const fetchStub = vi.fn(async () => new Response(PNG));
    const first = messageWith([1, 2].map((n) => ({ url: `https://cdn.discordapp.com/a/${n}.png`, contentType: "image/png", name: `${n}.png` })));
    const second = messageWith([3, 4].map((n) => ({ url: `https://cdn.discordapp.com/a/${n}.png`, contentType: "image/png", name: `${n}.png` })));
    const { images, notices } = await fetchImages([first, second], { logger, fetch: fetchStub as typeof fetch, maxCount: 3 });
    expect(images.map((i) => i.displayName)).toEqual(["1.png", "2.png", "3.png"]);
    expect(notices).toEqual(["I couldn't look at 1 image beyond the first 3."]);
    expect(fetchStub).toHaveBeenCalledTimes(3);
  });
});
