/**
 * Slack message text (mrkdwn with `<...>` entities) to the plain text the model reads: the bot's own mention is
 * removed, other mentions become `@Name`, links become `label (url)`, and HTML entities are decoded.
 */

/** Every `<@U…>` user id mentioned in the text. */
export function mentionedUserIds(text: string): string[] {
  const ids = new Set<string>();
  for (const match of text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) ids.add(match[1]!);
  return [...ids];
}

export function mentionsUser(text: string, userId: string): boolean {
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`);
}

/**
 * `names` maps user ids to display names (looked up beforehand); unknown ids keep their label or id.
 */
export function slackToPlainText(text: string, botUserId: string, names: ReadonlyMap<string, string> = new Map()): string {
  const out = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const [target = "", label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      if (id === botUserId) return "";
      return `@${names.get(id) ?? label ?? id}`;
    }
    if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
    if (target.startsWith("!subteam^")) return `@${label ?? "group"}`;
    if (target.startsWith("!")) {
      const keyword = target.slice(1).split("^")[0] ?? "";
      return label ?? `@${keyword}`;
    }
    if (label && label !== target) return `${label} (${target.replace(/^mailto:/, "")})`;
    return target.replace(/^mailto:/, "");
  });
  return decodeEntities(out)
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
