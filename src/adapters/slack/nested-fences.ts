/**
 * Slack's mrkdwn has one kind of code block, ``` … ```, that ends at the next ``` whatever its length, and
 * slackify-markdown writes every code block (a ````md block, a ~~~ block) with three backticks. A block that
 * shows a fence of its own (a README, a Markdown sample) would end at its first inner fence line, and the rest
 * would turn inside out: prose in a code block, code as prose. So inside code blocks, every run of three or more
 * backticks gets a zero-width space after each pair: it looks the same and no longer ends the block.
 */
import { FenceTracker } from "../../reply/markdown/fences.js";

const ZERO_WIDTH_SPACE = "\u200B";

export function breakInnerFences(markdown: string): string {
  if (!markdown.includes("```")) return markdown;
  const fences = new FenceTracker();
  return markdown
    .split("\n")
    .map((line) => {
      const { before, isFenceLine } = fences.next(line);
      if (!before || isFenceLine) return line; // outside code, or the block's own fence lines
      return line.replace(/`{3,}/g, (run) => run.replace(/``(?=`)/g, `\`\`${ZERO_WIDTH_SPACE}`));
    })
    .join("\n");
}
