/**
 * Markdown as the model writes it to Slack mrkdwn (`*bold*`, `_italic_`, `<url|text>`, no headings), with the
 * maintained slackify-markdown converter. Slack has no tables, so they become aligned monospace blocks first.
 */
import slackify from "slackify-markdown";
import { tablesToText } from "../../reply/markdown/tables.js";
import { breakInnerFences } from "./nested-fences.js";

export function markdownToMrkdwn(markdown: string): string {
  if (!markdown.trim()) return "";
  return slackify(breakInnerFences(tablesToText(markdown))).replace(/\n+$/, "");
}
