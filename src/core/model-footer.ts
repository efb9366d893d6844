/**
 * A small footer naming the model under an answer that did not use the default one, so a thread can tell which
 * model spoke. It travels as the answer's last message event: every reply strategy (edited or natively
 * streamed) then ends with it, and an answer that failed or was stopped gets none.
 */
import type { RuntimeEvent } from "../runtime/events.js";
import type { ConversationSettings } from "./conversation-settings.js";

const FOOTER_MESSAGE_ID = "threadpilot-model-footer";

/** The footer's Markdown, or undefined when the answer uses the default model at its default effort. */
export function modelFooter(settings: ConversationSettings | undefined, defaultModel: string | undefined): string | undefined {
  if (!settings?.model) return undefined;
  if (settings.model === defaultModel && !settings.reasoningEffort) return undefined;
  return `_Model: ${settings.model}${settings.reasoningEffort ? ` (${settings.reasoningEffort} reasoning effort)` : ""}_`;
}

/** The events as they come, with the footer added right before a complete answer's `done`. */
export async function* withFooter(events: AsyncIterable<RuntimeEvent>, footer: string | undefined): AsyncGenerator<RuntimeEvent, void, undefined> {
  let answered = false;
  for await (const event of events) {
    if (event.type === "retry") answered = false;
    if ((event.type === "delta" && event.text.trim()) || (event.type === "message" && event.content.trim())) answered = true;
    if (footer && answered && event.type === "done" && !event.aborted) {
      yield { type: "message", content: footer, messageId: FOOTER_MESSAGE_ID, hasToolRequests: false };
    }
    yield event;
  }
}

/** A footer as it comes back in a thread's history: `_Model: …_` or `*Model: …*`, the message's last line. */
const FOOTER_IN_HISTORY = /\n+[_*]Model: [^\n]*[_*][ \t]*$/;

/** An earlier answer's text without its footer, so the model does not take the line for part of what it said. */
export function withoutFooter(text: string): string {
  return text.replace(FOOTER_IN_HISTORY, "");
}
