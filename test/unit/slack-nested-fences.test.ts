/** Code blocks that show fences of their own stay one block in Slack, and split cleanly. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { markdownToMrkdwn } from "../../src/adapters/slack/markdown.js";
import { breakInnerFences } from "../../src/adapters/slack/nested-fences.js";
import { layout, messageText } from "../../src/reply/markdown/split.js";
import { fencedAnswer } from "./reply-fence-arbitraries.js";

/** Code regions the way Slack shows mrkdwn: every ``` toggles a code block, whatever its length or place. */
function slackCodeToggles(mrkdwn: string): number {
  return mrkdwn.match(/```/g)?.length ?? 0;
}

const inner = "```js\nstep();\n```";
const readme = `Here is the README:\n\n\`\`\`\`md\n# Install\n\n${inner}\n\nThen run it.\n\n${inner}\n\`\`\`\`\n\nThat is all; this prose comes after the block.`;

describe("Slack rendering of a code block that shows fences", () => {
  it("is one code block, with the inner fences shown but inert, and the prose after it outside", () => {
    const mrkdwn = markdownToMrkdwn(readme);
    expect(slackCodeToggles(mrkdwn)).toBe(2);
    const [, code, after] = mrkdwn.split("```");
    expect(code).toContain("``\u200B`js");
    expect(code).toContain("Then run it.");
    expect(after).toContain("this prose comes after the block");
  });

  it("split at any limit: every message has its code blocks closed, and the prose is never inside one", () => {
    const mrkdwn = markdownToMrkdwn(readme);
    for (let limit = 40; limit <= mrkdwn.length + 10; limit += 7) {
      const messages = layout(mrkdwn, limit).map(messageText);
      for (const m of messages) expect(slackCodeToggles(m) % 2, `limit ${limit}: ${JSON.stringify(m)}`).toBe(0);
      const last = messages.at(-1)!;
      const prose = last.lastIndexOf("this prose");
      expect(slackCodeToggles(last.slice(0, prose)) % 2).toBe(0);
    }
  });

  it("inside any fenced block no run of three backticks is left but its own fences; outside, nothing changes", () => {
    fc.assert(
      fc.property(fencedAnswer, (markdown) => {
        const out = breakInnerFences(markdown);
        expect(out.replaceAll("\u200B", "")).toBe(markdown);
        // The blocks the model wrote, fence lines excepted, hold no ``` run any more.
        const lines = out.split("\n");
        const original = markdown.split("\n");
        lines.forEach((line, i) => {
          if (line !== original[i]) expect(line).not.toMatch(/`{3}/);
        });
        expect(slackCodeToggles(markdownToMrkdwn(markdown)) % 2).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
