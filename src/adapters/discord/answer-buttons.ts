/**
 * The buttons under a Discord answer, as message components: Stop while it streams, 👍 / 👎 once it is done. Each
 * button's custom_id names what it does and the answer (by the id of the message it answers: a question's, or a
 * /ask's interaction id), so a press finds the answer's record on any replica.
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from "discord.js";
import type { Vote } from "../../core/answer-feedback.js";
import { isSnowflake } from "./conversation.js";

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

const PREFIX = "threadpilot";

export type ButtonPress = { kind: "stop"; answerId: string } | { kind: "vote"; vote: Vote; answerId: string };

/** Stop, under the answer's newest message while it streams. */
export function stopRow(answerId: string): ButtonRow {
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.Button, style: ButtonStyle.Secondary, label: "Stop", emoji: { name: "⏹️" }, custom_id: `${PREFIX}:stop:${answerId}` }],
  };
}

/** What the 👍 / 👎 row shows: how many chose each, and the choice just made (highlighted). */
export interface FeedbackShown {
  counts?: Record<Vote, number>;
  chosen?: Vote;
}

/**
 * 👍 / 👎 under the answer's last message once it is done. Both stay pressable (each person has one vote and may
 * change it); after a press the chosen one is highlighted and each shows its count.
 */
export function feedbackRow(answerId: string, shown: FeedbackShown = {}): ButtonRow {
  const button = (vote: Vote, emoji: string): APIButtonComponent => ({
    type: ComponentType.Button,
    style: shown.chosen === vote ? ButtonStyle.Primary : ButtonStyle.Secondary,
    emoji: { name: emoji },
    ...(shown.counts ? { label: String(shown.counts[vote]) } : {}),
    custom_id: `${PREFIX}:vote:${vote}:${answerId}`,
  });
  return { type: ComponentType.ActionRow, components: [button("good", "👍"), button("bad", "👎")] };
}

/** A press on one of these buttons; undefined for any other custom_id (another app's, a malformed one). */
export function parseButton(customId: string): ButtonPress | undefined {
  const parts = customId.split(":");
  if (parts[0] !== PREFIX) return undefined;
  if (parts.length === 3 && parts[1] === "stop" && isSnowflake(parts[2])) return { kind: "stop", answerId: parts[2] };
  if (parts.length === 4 && parts[1] === "vote" && (parts[2] === "good" || parts[2] === "bad") && isSnowflake(parts[3])) {
    return { kind: "vote", vote: parts[2], answerId: parts[3] };
  }
  return undefined;
}
