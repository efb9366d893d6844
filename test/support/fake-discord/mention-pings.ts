/**
 * Who a message create or edit would notify beyond single users, by Discord's documented `allowed_mentions`
 * rules: without the field, every mention in `content` is parsed (so "@everyone", "@here" and "<@&role>" ping);
 * with it, "@everyone"/"@here" ping only when `parse` holds "everyone", and a role only when `parse` holds
 * "roles" or `roles` lists its id.
 */
export interface MentionPing {
  route: string;
  mention: string;
}

/** REST writes that carry message content: channel messages, webhook and interaction messages. */
export function isMessageWrite(method: string, path: string): boolean {
  if (method !== "POST" && method !== "PATCH") return false;
  return (
    /^\/channels\/\d+\/messages(\/\d+)?$/.test(path) ||
    /^\/webhooks\/\d+\/[^/]+(\/messages\/[^/]+)?$/.test(path) ||
    /^\/interactions\/\d+\/[^/]+\/callback$/.test(path) ||
    /^\/channels\/\d+\/threads$/.test(path)
  );
}

export function mentionPings(route: string, body: unknown): MentionPing[] {
  if (body === null || typeof body !== "object") return [];
  const json = body as Record<string, unknown>;
  // An interaction callback and a forum thread carry the message one level down.
  const message = (json.data ?? json.message ?? json) as Record<string, unknown>;
  const content = typeof message.content === "string" ? message.content : "";
  const allowed = message.allowed_mentions as { parse?: string[]; roles?: string[] } | undefined;
  const pings: MentionPing[] = [];
  for (const m of content.matchAll(/@(everyone|here)\b/g)) {
    if (!allowed || allowed.parse?.includes("everyone")) pings.push({ route, mention: m[0] });
  }
  for (const m of content.matchAll(/<@&(\d+)>/g)) {
    if (!allowed || allowed.parse?.includes("roles") || allowed.roles?.includes(m[1]!)) pings.push({ route, mention: m[0] });
  }
  return pings;
}
