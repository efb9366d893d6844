/**
 * The web page renders Markdown itself (markdown-it in the browser, raw HTML off, links http(s) only), so the
 * reply target sends the model's Markdown as it is: tables, headings and code blocks need no conversion, unlike
 * Slack's mrkdwn or Discord's subset. Only trailing blank lines are dropped, as the other renderers do.
 */
export function markdownForPage(markdown: string): string {
  return markdown.replace(/\n+$/, "");
}
