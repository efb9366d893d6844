/**
 * Text files for the model (src/media/text-type.ts, text-files.ts): text is judged by the bytes, never the name;
 * the caps (count, per file, per request) keep the newest files; only the asked files' fate is told, in one
 * sentence. Downloads here are real Responses over in-memory bytes.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { fromResponse } from "../../src/media/downloaded-file.js";
import { selectTextFiles, TEXT_FILE_KIND, textFileNotice, type TextFileLimits } from "../../src/media/text-files.js";
import { decodeText } from "../../src/media/text-type.js";

const logger = pino({ level: "silent" });
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

describe("decodeText", () => {
  it("takes UTF-8 text, code and logs with colours", () => {
    expect(decodeText(Buffer.from("const x = 1;\n"))).toBe("const x = 1;\n");
    expect(decodeText(Buffer.from("Grüße, 世界 👋\r\n\tindented"))).toBe("Grüße, 世界 👋\r\n\tindented");
    expect(decodeText(Buffer.from("\u001b[31mERROR\u001b[0m disk full\n"))).toContain("ERROR");
    expect(decodeText(Buffer.from("\ufeffwith a BOM", "utf8"))).toBe("with a BOM");
    expect(decodeText(Buffer.alloc(0))).toBe("");
  });

  it("refuses binaries, UTF-16 and invalid UTF-8", () => {
    expect(decodeText(PNG)).toBeUndefined();
    expect(decodeText(Buffer.from("text with a \u0000 inside"))).toBeUndefined();
    expect(decodeText(Buffer.from("hello", "utf16le"))).toBeUndefined();
    expect(decodeText(Buffer.from([0x68, 0x69, 0xc3, 0x28]))).toBeUndefined();
    // Valid UTF-8 that is mostly control characters is data, not text.
    expect(decodeText(Buffer.from("\u0001\u0002\u0003\u0004abc"))).toBeUndefined();
  });
});

interface File {
  name: string;
  data?: Buffer;
}
const download = (maxBytes: number) => (file: File) =>
  fromResponse(new Response(file.data ?? null, { status: file.data ? 200 : 404 }), { maxBytes, displayName: file.name }, TEXT_FILE_KIND, logger);
const asked = (file: File) => ({ file, asked: true });
const limits = (over: Partial<TextFileLimits> = {}): TextFileLimits => ({ maxCount: 10, maxBytes: 1024, maxTotalBytes: 4096, ...over });

describe("selectTextFiles", () => {
  it("keeps text files by their bytes and says which were left out and why", async () => {
    const files: File[] = [
      { name: "disguised.txt", data: PNG },
      { name: "build.log", data: Buffer.from("step 1 ok\nstep 2 FAILED\n") },
      { name: "huge.txt", data: Buffer.alloc(2048, "a") },
      { name: "gone.txt" },
      { name: "no-extension", data: Buffer.from("plain words") },
    ];
    const selection = await selectTextFiles(files.map(asked), download(1024), limits());
    // Candidates come newest first; the model gets them oldest first.
    expect(selection.files.map((f) => f.name)).toEqual(["no-extension", "build.log"]);
    expect(selection.files[1]).toMatchObject({ name: "build.log", text: "step 1 ok\nstep 2 FAILED\n", bytes: 24 });
    expect(selection.skips).toMatchObject({ notText: 1, tooLarge: 1, failed: 1, tooMany: 0, overTotal: 0 });
    expect(selection.notices).toEqual([
      "I couldn't read 1 file that is not text (binary, or not UTF-8), 1 file larger than 1 KB and 1 file I could not download.",
    ]);
  });

  it("caps the count and the bytes per request, newest first", async () => {
    const text = (name: string, size: number): File => ({ name, data: Buffer.alloc(size, "x") });
    const newestFirst = [text("f5", 600), text("f4", 600), text("f3", 600), text("f2", 100), text("f1", 100)];
    const byTotal = await selectTextFiles(newestFirst.map(asked), download(1024), limits({ maxTotalBytes: 1400 }));
    expect(byTotal.files.map((f) => f.name)).toEqual(["f1", "f2", "f4", "f5"]);
    expect(byTotal.skips.overTotal).toBe(1);
    expect(byTotal.notices[0]).toContain("1 file past the 1.4 KB I read per answer in all");

    const byCount = await selectTextFiles(newestFirst.map(asked), download(1024), limits({ maxCount: 2 }));
    expect(byCount.files.map((f) => f.name)).toEqual(["f4", "f5"]);
    expect(byCount.skips.tooMany).toBe(3);
    expect(byCount.notices).toEqual(["I couldn't read 3 files beyond the 2 I read per answer."]);
  });

  it("tells only the asked files' fate; earlier files are context", async () => {
    const selection = await selectTextFiles(
      [
        { file: { name: "new.txt", data: Buffer.from("new") }, asked: true },
        { file: { name: "old.bin", data: PNG }, asked: false },
      ],
      download(1024),
      limits(),
    );
    expect(selection.files.map((f) => f.name)).toEqual(["new.txt"]);
    expect(selection.skips.notText).toBe(1);
    expect(selection.notices).toEqual([]);
  });

  it("reads nothing with MAX_TEXT_FILES=0", async () => {
    let downloads = 0;
    const selection = await selectTextFiles([asked({ name: "a.txt", data: Buffer.from("a") })], async (f) => {
      downloads++;
      return download(1024)(f);
    }, limits({ maxCount: 0 }));
    expect(selection).toMatchObject({ files: [], notices: [] });
    expect(downloads).toBe(0);
  });

  it("has nothing to say when every file was read", () => {
    expect(textFileNotice({})).toBeUndefined();
  });
});
