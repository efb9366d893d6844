/**
 * The shape of the Slack events the adapter reads, checked before anything else touches them: an event with a
 * field of the wrong type is malformed and is dropped (the caller logs it at debug), so no later step can
 * crash on it. Unknown fields are ignored; Slack adds new ones all the time.
 */
import { z } from "zod";
import type { SlackMessageEvent } from "./message-filter.js";
import type { SlackFile } from "./history-reader.js";

/** Slack sometimes sends `null` for an absent field; both mean "not there". */
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

const file = z.object({
  id: text,
  name: text,
  mimetype: text,
  url_private: text,
  url_private_download: text,
  size: z
    .number()
    .nonnegative()
    .nullish()
    .transform((value) => value ?? undefined),
});

const messageEvent = z.object({
  type: z.string(),
  channel: text,
  channel_type: text,
  ts: text,
  thread_ts: text,
  user: text,
  bot_id: text,
  subtype: text,
  hidden: z
    .boolean()
    .nullish()
    .transform((value) => value ?? undefined),
  text,
  team: text,
  files: z
    .array(file)
    .nullish()
    .transform((value) => value ?? undefined),
});

const reactionEvent = z.object({
  type: z.literal("reaction_added"),
  user: z.string().min(1),
  reaction: z.string().min(1),
  item: z.object({ type: z.string(), channel: text, ts: text }),
  item_user: text,
});

const eventBody = z.object({ team_id: text, event_id: text });

export type ParsedMessageEvent = SlackMessageEvent & { files?: SlackFile[] };
export type ParsedReactionEvent = z.infer<typeof reactionEvent>;
export type ParsedEventBody = z.infer<typeof eventBody>;

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function parse<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  // Paths and messages only: never the values, which may be anything a sender put there.
  const problem = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(event)"}: ${issue.message}`)
    .join("; ");
  return { ok: false, problem };
}

/** An `app_mention` or `message` event with every field the adapter reads of the right type. */
export function parseMessageEvent(input: unknown): Parsed<ParsedMessageEvent> {
  return parse(messageEvent, input);
}

/** A `reaction_added` event with who reacted, the reaction and the message it was added to. */
export function parseReactionEvent(input: unknown): Parsed<ParsedReactionEvent> {
  return parse(reactionEvent, input);
}

/** The envelope fields the adapter reads; a malformed envelope reads as empty (they are only hints). */
export function parseEventBody(input: unknown): ParsedEventBody {
  const result = eventBody.safeParse(input);
  return result.success ? result.data : { team_id: undefined, event_id: undefined };
}
