/**
 * Markdown as the model writes it, to the Markdown Discord renders. Discord shows most of it as is (bold,
 * italics, code, quotes, lists, `#`–`###` headings, masked links); what it does not is rewritten line by line,
 * never inside code blocks: tables (to aligned monospace blocks), deeper headings (to bold lines), horizontal
 * rules, and images (to links: a bot message cannot inline an image from Markdown).
 */
import { FenceTracker } from "../../reply/markdown/fences.js";
import { tablesToText } from "../../reply/markdown/tables.js";

const DEEP_HEADING = /^ {0,3}#{4,6}\s+(.+?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const IMAGE = /!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

export function markdownToDiscord(markdown: string): string {
  const lines = tablesToText(markdown).split("\n");
  const fences = new FenceTracker();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const { before, isFenceLine } = fences.next(line);
    if (before || isFenceLine) continue;
    lines[i] = convertLine(line);
  }
  return lines.join("\n");
}

function convertLine(line: string): string {
  const heading = DEEP_HEADING.exec(line);
  if (heading) return `**${heading[1]}**`;
  if (RULE.test(line)) return "───";
  return line.includes("![") ? line.replace(IMAGE, (_m, alt: string, url: string) => `[${alt || "image"}](${url})`) : line;
}
