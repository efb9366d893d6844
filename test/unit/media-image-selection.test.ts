/**
 * The one image rule every platform uses (src/media/image-selection.ts): which candidates the model sees, typed
 * by their bytes, and the one sentence about the rest. Downloads here are real Responses over in-memory bytes.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { imageFromResponse, imageLimitNotice, selectImages, type ImageDownload } from "../../src/media/image-selection.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const logger = pino({ level: "silent" });

interface File {
  data?: Buffer;
  name?: string;
}

/** A download that answers with the file's bytes, or 404 when it has none. */
const downloader = (maxBytes: number) => async (file: File): Promise<ImageDownload> =>
  imageFromResponse(new Response(file.data ?? null, { status: file.data ? 200 : 404 }), { maxBytes, displayName: file.name }, logger);

describe("selectImages", () => {
  it("keeps real images up to the count, by content not name", async () => {
    const files: File[] = [
      { data: Buffer.from("just text, honest"), name: "cat.png" },
      ...Array.from({ length: 20 }, (_, i) => ({ data: i % 2 ? PNG : JPEG, name: `img${i}.bin` })),
    ];
    const selection = await selectImages(files, downloader(1024), { maxCount: 10, maxBytes: 1024 });
    expect(selection.images).toHaveLength(10);
    expect(selection.images[0]).toMatchObject({ mimeType: "image/jpeg", displayName: "img0.bin" });
    expect(selection.images[1]!.mimeType).toBe("image/png");
    expect(selection.skips).toMatchObject({ notImage: 1, tooMany: 10, tooLarge: 0 });
    expect(selection.notices).toEqual([
      "I couldn't look at 10 images beyond the first 10 and 1 file that is not a PNG, JPEG, GIF or WebP image.",
    ]);
  });

  it("skips images over the byte limit", async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(2048)]);
    const selection = await selectImages([{ data: big }, { data: PNG }], downloader(1024), { maxCount: 10, maxBytes: 1024 });
    expect(selection.images).toHaveLength(1);
    expect(selection.skips.tooLarge).toBe(1);
    expect(imageLimitNotice({ tooLarge: 1 }, { maxCount: 10, maxBytes: 10 * 1024 * 1024 })).toBe(
      "I couldn't look at 1 image larger than 10 MB.",
    );
  });

  it("has nothing to say when every image was taken", async () => {
    expect(imageLimitNotice({})).toBeUndefined();
    expect((await selectImages([{ data: PNG }], downloader(1024))).notices).toEqual([]);
  });

  it("counts failed downloads in the notice, and a failure does not take a real image's place", async () => {
    const files: File[] = [{ name: "gone.png" }, { data: PNG, name: "a.png" }, { data: JPEG, name: "b.jpg" }, { data: PNG, name: "c.png" }];
    const selection = await selectImages(files, downloader(1024), { maxCount: 2, maxBytes: 1024 });
    expect(selection.images.map((i) => i.displayName)).toEqual(["a.png", "b.jpg"]);
    expect(selection.skips).toEqual({ tooMany: 1, tooLarge: 0, notImage: 0, failed: 1 });
    expect(selection.notices).toEqual(["I couldn't look at 1 image beyond the first 2 and 1 image I could not download."]);
  });
});
