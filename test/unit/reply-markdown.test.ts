/** Tables made readable, partial Markdown held back and healed, and the notices. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { tablesToText } from "../../src/reply/markdown/tables.js";
import { displayablePrefix, healPartial } from "../../src/reply/markdown/partial-markdown.js";
import { failureSentence, toolStatusLine } from "../../src/reply/notices.js";
import type { FailureKind } from "../../src/runtime/events.js";

describe("tablesToText", () => {
  it("turns a GFM table into an aligned monospace block", () => {
    const md = "Scores:\n\n| Name | Score | Note |\n|:-----|------:|:----:|\n| **Ann** | 7 | `ok` |\n| Bob | 12 | [site](https://x.y) |\n\nDone.";
    expect(tablesToText(md)).toBe(
      [
        "Scores:",
        "",
        "```",
        "Name | Score |        Note",
        "-----+-------+-------------------",
        "Ann  |     7 |         ok",
        "Bob  |    12 | site (https://x.y)",
        "```",
        "",
        "Done.",
      ].join("\n"),
    );
  });

  it("leaves tables inside code fences, and text without tables, alone", () => {
    const md = "```md\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n\na | b without a delimiter row";
    expect(tablesToText(md)).toBe(md);
  });

  it("keeps escaped pipes and pipes in inline code inside their cell; pads short rows", () => {
    const md = "| a | b |\n|---|---|\n| x \\| y | `p|q` |\n| only |";
    expect(tablesToText(md)).toBe("```\na     | b\n------+----\nx | y | p|q\nonly  |\n```");
  });

  it("is the identity on Markdown with no pipes", () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes("|")), (s) => {
      expect(tablesToText(s)).toBe(s);
    }));
  });
});

describe("partial Markdown", () => {
  it("shows whole words only", () => {
    expect(displayablePrefix("Hello wor")).toBe("Hello ");
    expect(displayablePrefix("Hello world\nNe")).toBe("Hello world\n");
    expect(displayablePrefix("Hi")).toBe("");
  });

  it("holds a table back until its delimiter row confirms it, and a half row always", () => {
    expect(displayablePrefix("Intro\n\n| a | b |\n")).toBe("Intro\n\n");
    expect(displayablePrefix("Intro\n\n| a | b |\n|--")).toBe("Intro\n\n");
    expect(displayablePrefix("Intro\n\n| a | b |\n|---|---|\n")).toBe("Intro\n\n| a | b |\n|---|---|\n");
    expect(displayablePrefix("Intro\n\n| a | b |\n|---|---|\n| 1 | 2")).toBe("Intro\n\n| a | b |\n|---|---|\n");
    // Two pipe lines that are not a table are just text.
    expect(displayablePrefix("| a |\n| b |\n")).toBe("| a |\n| b |\n");
    // Pipes inside a code block are code.
    expect(displayablePrefix("```\n| a |\n")).toBe("```\n| a |\n");
  });

  it("closes open emphasis, inline code, links and code fences for display", () => {
    expect(healPartial("Some **bold")).toBe("Some **bold**");
    expect(healPartial("Use `npm i")).toBe("Use `npm i`");
    expect(healPartial("See [the docs](https://exa")).toBe("See the docs");
    expect(healPartial("```ts\nconst a = 1;\n")).toBe("```ts\nconst a = 1;\n```");
    expect(healPartial("```ts\nconst a = 1;")).toBe("```ts\nconst a = 1;\n```");
    expect(healPartial("Fine text.")).toBe("Fine text.");
  });

  it("does not add escapes that Slack would show as backslashes", () => {
    expect(healPartial("from 20~25 items")).toBe("from 20~25 items");
    expect(healPartial("- > 25 ms")).toBe("- > 25 ms");
  });
});

describe("notices", () => {
  it("one sentence per failure kind", () => {
    const kinds: FailureKind[] = ["rate_limit", "authentication", "timeout", "quota", "context_limit", "other"];
    const sentences = kinds.map(failureSentence);
    expect(new Set(sentences).size).toBe(kinds.length);
    for (const s of sentences) expect(s).toMatch(/^Sorry, [^.]*\.$/);
    expect(failureSentence("rate_limit")).toMatch(/rate-limited/);
  });

  it("a tool status line names the tool", () => {
    expect(toolStatusLine("read_file")).toBe("_Running `read_file`…_");
    expect(toolStatusLine("`evil`")).toBe("_Running `evil`…_");
    expect(toolStatusLine("")).toBe("_Running `a tool`…_");
  });
});
