/**
 * 👍 / 👎 on a finished answer with Slack's feedback buttons: a `context_actions` block holding a
 * `feedback_buttons` element, attached when the answer's stream stops. A press arrives as a `block_actions`
 * interaction carrying the button's value; each person has one vote per answer (a second press replaces it).
 */
export const FEEDBACK_ACTION_ID = "answer_feedback";

// The vote itself (its stored shape, recording and counting) is the same on every platform: src/core.
export { asStoredVote, asVote, type StoredVote, type Vote } from "../../core/answer-feedback.js";

export function feedbackBlocks(): Array<Record<string, unknown>> {
  return [
    {
      type: "context_actions",
      block_id: "answer_feedback",
      elements: [
        {
          type: "feedback_buttons",
          action_id: FEEDBACK_ACTION_ID,
          positive_button: { text: { type: "plain_text", text: "👍" }, value: "good", accessibility_label: "Good answer" },
          negative_button: { text: { type: "plain_text", text: "👎" }, value: "bad", accessibility_label: "Bad answer" },
        },
      ],
    },
  ];
}
