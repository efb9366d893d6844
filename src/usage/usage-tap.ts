/**
 * Reads an answer's usage off its event stream as the events pass: every `usage` event is handed on (metrics, the
 * day's ledger), and an answer the runtime stopped at its credit limit ends as a stopped answer, so the reply
 * keeps what streamed and ends with the note that says why.
 */
import type { ModelUsage, RuntimeEvent } from "../runtime/events.js";

export interface CreditLimitReached {
  /** As the runtime reported them, when it did. */
  usedCredits?: number;
  maxCredits?: number;
}

export interface UsageTap {
  events: AsyncIterable<RuntimeEvent>;
  /** Set once the runtime refused a model call at the answer's credit limit. */
  limitReached(): CreditLimitReached | undefined;
}

export function tapUsage(events: AsyncIterable<RuntimeEvent>, onUsage: (usage: ModelUsage) => void): UsageTap {
  let limit: CreditLimitReached | undefined;
  async function* tapped(): AsyncGenerator<RuntimeEvent, void, undefined> {
    for await (const event of events) {
      if (event.type === "usage") onUsage(event.usage);
      else if (event.type === "credit_limit") {
        // Several may come (one per skipped tool call); the figures are kept from whichever reported them.
        limit = {
          ...limit,
          ...(event.usedCredits !== undefined ? { usedCredits: event.usedCredits } : {}),
          ...(event.maxCredits !== undefined ? { maxCredits: event.maxCredits } : {}),
        };
      }
      else if (event.type === "done" && limit && !event.aborted) {
        // The runtime ends a refused turn as if it were complete; to the user it was cut short.
        yield { type: "done", aborted: true };
        continue;
      }
      yield event;
    }
  }
  return { events: tapped(), limitReached: () => limit };
}
