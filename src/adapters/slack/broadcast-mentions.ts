/**
 * Nothing the bot writes to Slack may ping a whole channel or group. Slack makes a special mention live only in
 * its entity form (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^ID>`, each optionally `|label`), and in
 * Block Kit rich text as `broadcast` / `usergroup` elements. Text reaches us from the model, from quoted user
 * messages, from configured sentences; slackify-markdown passes `<!channel>` through untouched (it reads it as
 * inline HTML). So every write through a guarded client is rewritten at the last step: the entity becomes the
 * words it would have shown ("@channel"), with a zero-width space after the "@" so that no parsing mode
 * (`link_names`, `parse: "full"`, non-verbatim mrkdwn) can turn the words back into a mention.
 *
 * Plain "@channel" text is not touched: chat.postMessage and chat.update default to `parse: "none"`, where it
 * does not notify, and the bot never asks for `link_names`. `&lt;!channel&gt;` is already escaped text.
 */
import type { webApi } from "@slack/bolt";

/** Shown between "@" and the word: invisible, and it stops Slack from reading the word as a mention. */
const BREAK = "\u200B";

/**
 * The special mentions Slack documents, in any case, with or without a label; `<!group>` is the legacy form of
 * `<!channel>` for private channels. Other `<!…>` text (`<!DOCTYPE html>`, `<!-- -->` in a code sample, dates)
 * pings nobody and is left as written.
 */
const SPECIAL_MENTION = /<!(channel|here|everyone|group|subteam\^[^<>|]*)(?:\|([^<>]*))?>/gi;

export function neutraliseBroadcastMentions(text: string): string {
  if (!text.includes("<!")) return text;
  return text.replace(SPECIAL_MENTION, (_whole, target: string, label: string | undefined) => asWords(target, label));
}

function asWords(target: string, label: string | undefined): string {
  const shown = (label ?? "").trim().replace(/^@+/, "");
  if (shown) return `@${BREAK}${shown}`;
  if (/^subteam\^/i.test(target)) return `@${BREAK}group`;
  return `@${BREAK}${target.toLowerCase()}`;
}

/**
 * The arguments of a Web API write with every string neutralised, and Block Kit `broadcast` / `usergroup`
 * elements replaced by plain text elements. Other values (ids, timestamps, booleans) are kept as they are.
 */
export function neutraliseWriteArguments<T>(value: T): T {
  return neutraliseValue(value) as T;
}

function neutraliseValue(value: unknown): unknown {
  if (typeof value === "string") return neutraliseBroadcastMentions(value);
  if (Array.isArray(value)) return value.map(neutraliseValue);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  if (object.type === "broadcast") return { type: "text", text: `@${BREAK}${String(object.range ?? "channel")}` };
  if (object.type === "usergroup") return { type: "text", text: `@${BREAK}group` };
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(object)) out[key] = neutraliseValue(inner);
  return out;
}

/**
 * Makes every `chat.*` method of `client` (postMessage, update, postEphemeral, scheduleMessage, the streaming
 * methods, and any added later) neutralise its arguments before sending. The client is changed in place, so
 * helpers that call `client.chat` themselves (such as `client.chatStream()`) are guarded too.
 */
export function guardBroadcastMentions<C extends Pick<webApi.WebClient, "chat">>(client: C): C {
  const chat = client.chat as unknown as Record<string, unknown>;
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(chat)) {
    guarded[name] =
      typeof method === "function"
        ? (args?: unknown, ...rest: unknown[]) =>
            (method as (...a: unknown[]) => unknown).call(chat, neutraliseWriteArguments(args), ...rest)
        : method;
  }
  Object.defineProperty(client, "chat", { value: guarded, enumerable: true, configurable: true, writable: false });
  return client;
}
