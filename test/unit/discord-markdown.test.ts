import { describe, expect, test } from "vitest";
import { markdownToDiscord } from "../../src/adapters/discord/markdown.js";

describe("markdownToDiscord", () => {
  test("what Discord renders itself is left alone", () => {
    const markdown = "# Title\n\n**bold** _it_ ~~gone~~ `code`\n\n> quote\n\n- one\n- two\n\n[docs](https://example.com)";
    expect(markdownToDiscord(markdown)).toBe(markdown);
  });

  test("tables become aligned monospace blocks", () => {
    const out = markdownToDiscord("| name | n |\n|---|---:|\n| a | 1 |\n| bb | 22 |");
    expect(out).toMatch(/^```/);
    expect(out).not.toContain("|---");
    expect(out).toContain("bb");
  });

  test("headings Discord lacks become bold lines, rules a short line, images links", () => {
    expect(markdownToDiscord("#### Details")).toBe("**Details**");
    expect(markdownToDiscord("a\n\n---\n\nb")).toBe("a\n\n───\n\nb");
    expect(markdownToDiscord("see ![diagram](https://x.test/d.png)")).toBe("see [diagram](https://x.test/d.png)");
  });

  test("nothing changes inside code blocks", () => {
    const markdown = "```md\n#### not a heading\n---\n| a | b |\n|---|---|\n```";
    expect(markdownToDiscord(markdown)).toBe(markdown);
  });
});
