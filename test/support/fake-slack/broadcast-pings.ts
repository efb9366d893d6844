/**
 * What would ping a whole channel or group if Slack received this write, by Slack's documented rules, written
 * independently of the bot's own neutraliser:
 * - the special mention entities `<!here>`, `<!channel>`, `<!everyone>` (and legacy `<!group>`), `<!subteam^ID>`,
 *   with or without `|label`, in any text field or Block Kit text;
 * - rich text `broadcast` and `usergroup` elements;
 * - plain "@channel" / "@here" / "@everyone" words, where Slack parses them: in a write that asks for
 *   `link_names` or `parse: "full"`, and in a mrkdwn text object that is not `verbatim`.
 */
export interface BroadcastPing {
  method: string;
  /** The request field it was found in (text, blocks, attachments, markdown_text, ...). */
  field: string;
  mention: string;
}

const ENTITY = /<!(?:here|channel|everyone|group)(?:\|[^<>]*)?>|<!subteam\^[^<>|]+(?:\|[^<>]*)?>/gi;
const PLAIN = /(?<![\w@])@(?:here|channel|everyone)\b/gi;
/** Fields of a chat.* write whose value is JSON (form-encoded clients send nested values as JSON strings). */
const JSON_FIELDS = new Set(["blocks", "attachments", "metadata", "chunks"]);
const SKIPPED_FIELDS = new Set(["channel", "ts", "thread_ts", "token", "user", "recipient_user_id", "recipient_team_id"]);

export function broadcastPings(method: string, params: Record<string, string>): BroadcastPing[] {
  const found: BroadcastPing[] = [];
  const parsesPlain = ["1", "true"].includes(params.link_names ?? "") || params.parse === "full";
  for (const [field, raw] of Object.entries(params)) {
    if (SKIPPED_FIELDS.has(field)) continue;
    if (JSON_FIELDS.has(field)) {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
      walk(value, (mention) => found.push({ method, field, mention }), parsesPlain);
    } else {
      scan(raw, parsesPlain, (mention) => found.push({ method, field, mention }));
    }
  }
  return found;
}

function scan(text: string, plainIsLive: boolean, report: (mention: string) => void): void {
  for (const m of text.matchAll(ENTITY)) report(m[0]);
  if (plainIsLive) for (const m of text.matchAll(PLAIN)) report(m[0]);
}

function walk(value: unknown, report: (mention: string) => void, parsesPlain: boolean): void {
  if (typeof value === "string") {
    scan(value, parsesPlain, report);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) walk(item, report, parsesPlain);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const object = value as Record<string, unknown>;
  if (object.type === "broadcast") report(`broadcast:${String(object.range)}`);
  if (object.type === "usergroup") report(`usergroup:${String(object.usergroup_id)}`);
  // A mrkdwn text object that is not verbatim has its mentions parsed by Slack.
  const plainHere = parsesPlain || (object.type === "mrkdwn" && object.verbatim !== true);
  for (const [key, inner] of Object.entries(object)) {
    if (key === "text" && typeof inner === "string") scan(inner, plainHere, report);
    else walk(inner, report, parsesPlain);
  }
}
