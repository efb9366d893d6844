/**
 * What the Chat SDK-like peer (bench/strategies/chat-sdk-stream.ts) may append to Slack's append-only stream at a
 * moment: whole lines, literal partial lines inside an open code fence, tables once confirmed, no open inline
 * marker at the end; everything once the answer is finished.
 */
import { describe, expect, it } from "vitest";
import { appendableText } from "../../bench/strategies/appendable-text.js";

describe("appendable text", () => {
  it("holds back the line still being written, and gives everything once finished", () => {
    expect(appendableText("First line.\nSecond li", false)).toBe("First line.\n");
    expect(appendableText("No line break yet", false)).toBe("");
    expect(appendableText("First line.\nSecond li", true)).toBe("First line.\nSecond li");
  });

  it("inside an open code fence a partial line is literal and goes at once", () => {
    expect(appendableText("Code:\n```ts\nconst x = 1;\nconst y", false)).toBe("Code:\n```ts\nconst x = 1;\nconst y");
    // The fence opening while its first line is typed: nothing past the last whole line.
    expect(appendableText("Code:\n```t", false)).toBe("Code:\n");
  });

  it("table rows wait for the separator row that confirms them", () => {
    expect(appendableText("Intro.\n| a | b |\n", false)).toBe("Intro.\n");
    expect(appendableText("Intro.\n| a | b |\n|---|---|\n| 1 | 2 |\n", false)).toBe("Intro.\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    expect(appendableText("Intro.\n| a | b |\nnot a table\n", false)).toBe("Intro.\n| a | b |\nnot a table\n");
  });

  it("an inline marker left open at the end is held back, from its opening run", () => {
    expect(appendableText("Plain **bold\n", false)).toBe("Plain ");
    expect(appendableText("Plain **bold** and `code\n", false)).toBe("Plain **bold** and ");
    expect(appendableText("All **closed** here.\n", false)).toBe("All **closed** here.\n");
  });

  it("grows monotonically as a streamed answer grows", () => {
    const answer = "# Title\n\nSome **bold** text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nlet x = 1;\n```\n\nDone.";
    let previous = "";
    for (let end = 1; end <= answer.length; end++) {
      const now = appendableText(answer.slice(0, end), end === answer.length);
      expect(now.startsWith(previous)).toBe(true);
      previous = now;
    }
    expect(previous).toBe(answer);
  });
});
