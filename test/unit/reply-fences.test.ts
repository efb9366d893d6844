/** CommonMark's fence rules, as every Markdown scanner of the project reads them, and healing a partial answer. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fenceOpening, isFenceClosing, openFenceAtEnd } from "../../src/reply/markdown/fences.js";
import { healPartial } from "../../src/reply/markdown/partial-markdown.js";
import { fencesBalanced } from "./reply-support.js";
import { fencedAnswer } from "./reply-fence-arbitraries.js";

describe("fence rules (CommonMark)", () => {
  it.each([
    ["```", true],
    ["   ```python", true],
    ["    ```", false], // four spaces: an indented code block's content, not a fence
    ["\t```", false],
    ["``", false],
    ["`````text", true],
    ["~~~", true],
    ["~~~ with `backticks` in the info", true],
    ["```a```", false], // inline code
    ["``` js `x`", false],
  ])("%j opens a fence: %s", (line, opens) => {
    expect(fenceOpening(line) !== undefined).toBe(opens);
  });

  it.each([
    ["````", "```", false], // shorter than the opening
    ["````", "````", true],
    ["````", "``````", true],
    ["````", "   ````  ", true],
    ["````", "    ````", false],
    ["````", "```` x", false], // nothing but spaces after a closing fence
    ["```", "~~~", false], // another character never closes
    ["~~~~", "~~~~~", true],
    ["~~~", "```", false],
  ])("opened by %j, %j closes it: %s", (open, line, closes) => {
    expect(isFenceClosing(line, fenceOpening(open)!)).toBe(closes);
  });

  it("a fence inside a list item is indented from the item's content", () => {
    expect(openFenceAtEnd("1. Install:\n\n    ```bash\n    npm i")?.marker).toBe("```");
    expect(openFenceAtEnd("- a\n  - nested\n      ~~~\n      code")?.marker).toBe("~~~");
    expect(openFenceAtEnd("- ```js\n  x")?.line.trim()).toBe("```js");
    // Back at the top level, four spaces are an indented code block again.
    expect(openFenceAtEnd("- item\n\nprose\n\n    ```\n")).toBeUndefined();
  });

  it("a 3-backtick line inside a 4-backtick block is content", () => {
    const text = "````md\n```js\nx()\n```\n";
    expect(openFenceAtEnd(text)?.marker).toBe("````");
    expect(openFenceAtEnd(`${text}\`\`\`\`\n`)).toBeUndefined();
  });
});

describe("healPartial", () => {
  it("closes the open fence with its own marker, and leaves code inside it alone", () => {
    expect(healPartial("````md\n```js\nx **y\n```\nmore")).toBe("````md\n```js\nx **y\n```\nmore\n````");
    expect(healPartial("~~~\n```\n`a")).toBe("~~~\n```\n`a\n~~~");
  });

  it("heals inline Markdown only after the last code block", () => {
    expect(healPartial("````\n```\n**not bold\n````\n\nsome **bold")).toBe("````\n```\n**not bold\n````\n\nsome **bold**");
  });

  it("every prefix of an answer with nested, long and tilde fences heals to balanced fences, keeping the prefix", () => {
    fc.assert(
      fc.property(fencedAnswer, fc.integer({ min: 0, max: 100 }), (text, pct) => {
        const prefix = text.slice(0, Math.floor((text.length * pct) / 100));
        const healed = healPartial(prefix);
        expect(fencesBalanced(healed)).toBe(true);
        if (openFenceAtEnd(prefix)) expect(healed.startsWith(prefix)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
