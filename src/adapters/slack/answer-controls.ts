/**
 * The buttons on a Slack answer, as Block Kit: Stop while it streams, 👍/👎 (feedback.ts) once it is over.
 *
 * A message with `blocks` shows its blocks, not its `text` (that becomes the notification fallback), so a message
 * that carries buttons carries its text too, in `section` blocks: a section's text holds at most 3,000 characters
 * and a message's text up to SLACK_MAX_MESSAGE_LENGTH, so the text is laid out over sections the way an answer is
 * laid out over messages (a code block cut between two sections is closed and reopened).
 */
import { layout, messageText } from "../../reply/markdown/split.js";
import type { MessageControls } from "../../reply/target.js";
import { feedbackBlocks } from "./feedback.js";

export const STOP_ACTION_ID = "stop_answer";

/** Block Kit: "Maximum length for the text in this field is 3000 characters" (section `text`). */
export const MAX_SECTION_TEXT = 3_000;

type Block = Record<string, unknown>;

/**
 * The Stop button. Its value names the person who asked (a Slack user id), so a press can be checked against
 * them without a store read; Slack signs every interaction, so a press cannot claim another value.
 */
export function stopBlocks(askerUserId: string): Block[] {
  return [
    {
      type: "actions",
      block_id: "answer_controls",
      elements: [
        {
          type: "button",
          action_id: STOP_ACTION_ID,
          text: { type: "plain_text", text: "Stop", emoji: false },
          value: askerUserId,
          accessibility_label: "Stop this answer",
        },
      ],
    },
  ];
}

/** The message's text as section blocks (mrkdwn, as the target renders it). */
export function textBlocks(text: string): Block[] {
  // A little under the limit: the closing and reopening fence lines a cut adds must fit too.
  return layout(text, MAX_SECTION_TEXT - 100).map((chunk) => ({
    type: "section",
    text: { type: "mrkdwn", text: messageText(chunk), verbatim: true },
  }));
}

/**
 * The blocks a message of an answer gets for `controls`: its text and the buttons; `[]` for none, which is what
 * docs.slack.dev/reference/methods/chat.update documents for removing a message's blocks ("include an empty
 * array"). Stop needs the asker: an answer to another bot gets no Stop button (✋ and "stop" still work).
 */
export function answerBlocks(text: string, controls: MessageControls, askerUserId: string | undefined): Block[] {
  if (controls === "feedback") return [...textBlocks(text), ...feedbackBlocks()];
  if (controls === "stop" && askerUserId) return [...textBlocks(text), ...stopBlocks(askerUserId)];
  return [];
}

/** What a Stop press carries that the adapter needs: who pressed, where, and whom the answer is for. */
export interface StopPress {
  user: string;
  channel: string;
  /** The message whose button was pressed. */
  ts: string;
  asker: string;
}

export function parseStopPress(body: unknown): StopPress | undefined {
  const press = body as {
    user?: { id?: unknown };
    container?: { channel_id?: unknown; message_ts?: unknown };
    actions?: Array<{ action_id?: unknown; value?: unknown }>;
  } | null;
  const asker = press?.actions?.find((a) => a?.action_id === STOP_ACTION_ID)?.value;
  const user = press?.user?.id;
  const channel = press?.container?.channel_id;
  const ts = press?.container?.message_ts;
  if (typeof asker !== "string" || !asker || typeof user !== "string" || !user) return undefined;
  if (typeof channel !== "string" || !channel || typeof ts !== "string" || !ts) return undefined;
  return { user, channel, ts, asker };
}
