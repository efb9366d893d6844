/**
 * Long code blocks shared as files (src/reply/code-files.ts): which blocks count, how the file is named, what the
 * chat keeps, and that nothing is cut before the file exists (a failed upload leaves the full code). The target
 * here is a small in-memory one: this tests the rule, the platforms are tested end to end.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { codeFileName, findLongCodeBlocks, shareLongCode, withCodeHeads, type CodeFileTarget } from "../../src/reply/code-files.js";
import type { EditBudget, UploadedFile } from "../../src/reply/target.js";

const logger = pino({ level: "silent" });
const code = (n: number) => Array.from({ length: n }, (_, i) => `line${i + 1}();`).join("\n");
const answer = (n: number, lang = "ts") => `Here it is:\n\n\`\`\`${lang}\n${code(n)}\n\`\`\`\n\nThat is all.`;
const freeBudget: EditBudget = { take: async () => undefined, pause: () => undefined };

function target(options: { failUpload?: boolean; maxMessageLength?: number; maxUploadBytes?: number } = {}) {
  const uploads: UploadedFile[] = [];
  const edits: Array<{ id: string; text: string }> = [];
  const deletes: string[] = [];
  const t: CodeFileTarget = {
    maxMessageLength: options.maxMessageLength ?? 4000,
    budget: freeBudget,
    render: (markdown) => markdown,
    edit: async (ref, text) => void edits.push({ id: ref.id, text }),
    delete: async (ref) => void deletes.push(ref.id),
    uploadFile: async (file) => {
      if (options.failUpload) throw new Error("Slack refused files.uploadV2: missing_scope.");
      uploads.push(file);
    },
    ...(options.maxUploadBytes !== undefined ? { maxUploadBytes: options.maxUploadBytes } : {}),
  };
  return { t, uploads, edits, deletes };
}

describe("findLongCodeBlocks", () => {
  it("finds closed top-level blocks of at least minLines code lines", () => {
    const markdown = `${answer(5)}\n\n${answer(12, "python")}\n\n- item\n  \`\`\`js\n${code(20)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")}\n  \`\`\`\n\n\`\`\`\n${code(30)}`;
    const blocks = findLongCodeBlocks(markdown, 10);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ language: "python", openingLine: "```python" });
    expect(blocks[0]!.lines).toHaveLength(12);
    expect(findLongCodeBlocks(markdown, 0)).toEqual([]);
  });

  it("reads a ```` block with a ``` line inside as one block", () => {
    const markdown = `\`\`\`\`md\n${code(5)}\n\`\`\`\n${code(5)}\n\`\`\`\``;
    expect(findLongCodeBlocks(markdown, 10)[0]!.lines).toHaveLength(11);
  });
});

describe("codeFileName", () => {
  it("names the file from the language", () => {
    expect(codeFileName("typescript")).toBe("snippet.ts");
    expect(codeFileName("Python")).toBe("snippet.py");
    expect(codeFileName("")).toBe("snippet.txt");
    expect(codeFileName("zig")).toBe("snippet.zig");
    expect(codeFileName("../../etc")).toBe("snippet.txt");
    expect(codeFileName("ts", new Set(["snippet.ts", "snippet-2.ts"]))).toBe("snippet-3.ts");
  });
});

describe("withCodeHeads", () => {
  it("keeps the head of each shared block and points to its file", () => {
    const markdown = answer(30);
    const [block] = findLongCodeBlocks(markdown, 20);
    const cut = withCodeHeads(markdown, [{ block: block!, fileName: "snippet.ts" }], 3);
    expect(cut).toBe(
      "Here it is:\n\n```ts\nline1();\nline2();\nline3();\n```\n_(27 more lines: the whole block is in snippet.ts, shared below.)_\n\nThat is all.",
    );
  });
});

describe("shareLongCode", () => {
  const outcome = (markdown: string, ids = ["m1"]) => ({ status: "complete" as const, markdown, messages: ids.map((id) => ({ id })) });

  it("uploads the block, then edits the answer to its head", async () => {
    const { t, uploads, edits } = target();
    const shared = await shareLongCode(outcome(answer(30)), t, { minLines: 20, headLines: 3 }, logger);
    expect(shared).toEqual({ files: ["snippet.ts"], edited: true });
    expect(uploads).toEqual([{ name: "snippet.ts", content: `${code(30)}\n` }]);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.text).toContain("line3();\n```\n_(27 more lines");
    expect(edits[0]!.text).not.toContain("line4();");
  });

  it("leaves the full code in the chat when the upload fails", async () => {
    const { t, edits } = target({ failUpload: true });
    expect(await shareLongCode(outcome(answer(30)), t, { minLines: 20, headLines: 3 }, logger)).toEqual({ files: [], edited: false });
    expect(edits).toEqual([]);
  });

  it("leaves short blocks, unfinished answers, and files the platform would refuse alone", async () => {
    const { t, uploads, edits } = target({ maxUploadBytes: 50 });
    await shareLongCode(outcome(answer(10)), t, { minLines: 20, headLines: 3 }, logger);
    await shareLongCode({ ...outcome(answer(30)), status: "aborted" }, t, { minLines: 20, headLines: 3 }, logger);
    await shareLongCode(outcome(answer(30)), t, { minLines: 20, headLines: 3 }, logger);
    expect(uploads).toEqual([]);
    expect(edits).toEqual([]);
  });

  it("lays the shorter answer out again over the answer's messages, removing the ones it no longer needs", async () => {
    const { t, edits, deletes } = target({ maxMessageLength: 200 });
    const markdown = answer(40);
    const shared = await shareLongCode(outcome(markdown, ["m1", "m2", "m3", "m4"]), t, { minLines: 20, headLines: 2 }, logger);
    expect(shared.edited).toBe(true);
    expect(edits.map((e) => e.id)).toEqual(["m1"]);
    expect(deletes).toEqual(["m2", "m3", "m4"]);
  });
});
