/**
 * Turns the SDK's session events into threadpilot's RuntimeEvents, one session (one attempt) at a time.
 * Keeps the little state the translation needs: tool names by call id (completion events carry only the id)
 * and which streamed messages are still open (so a model call the runtime retries can be discarded).
 */
import type { SessionEvent } from "@github/copilot-sdk";
import { classifyFailure } from "./errors.js";
import type { RuntimeEvent, RuntimeFailure } from "./events.js";
import { displayToolName } from "./tool-names.js";
import { usageEventOf } from "./usage-events.js";

export type SessionEnd = { kind: "done"; aborted: boolean } | { kind: "failed"; failure: RuntimeFailure };

export interface Translation {
  events: RuntimeEvent[];
  /** Set when the event ends the attempt. */
  end?: SessionEnd;
}

/** The runtime also sends ephemeral events outside the typed union (`model.*`); they are read loosely. */
type AnyEvent = SessionEvent | { type: string; data?: unknown; agentId?: string };

const NOTHING: Translation = { events: [] };

export class SessionEventTranslator {
  private readonly toolNames = new Map<string, string>();
  /** Messages with deltas but no `assistant.message` yet, in the order they started. */
  private readonly openMessages = new Set<string>();
  /** The session's credit limit stopped the turn: its closing error is the stop, not a failure (nor one to retry). */
  private creditLimitReached = false;

  translate(raw: AnyEvent): Translation {
    // Read before the sub-agent filter: what a sub-agent's model calls use is spent on this answer too.
    const usage = usageEventOf(raw);
    if (usage) {
      if (usage.type === "credit_limit") this.creditLimitReached = true;
      return { events: [usage] };
    }
    // Sub-agents (the `task` tool and friends) stream their own work: it is not the answer.
    if ("agentId" in raw && raw.agentId) return NOTHING;
    const event = raw as SessionEvent;
    switch (event.type) {
      case "assistant.message_delta": {
        if (event.data.parentToolCallId || !event.data.deltaContent) return NOTHING;
        this.openMessages.add(event.data.messageId);
        return { events: [{ type: "delta", text: event.data.deltaContent, messageId: event.data.messageId }] };
      }
      case "assistant.message": {
        if (event.data.parentToolCallId) return NOTHING;
        const messageId = event.data.messageId;
        this.openMessages.delete(messageId);
        // Any other message still open was a model call the runtime gave up on and redid.
        const events = this.discardOpenMessages();
        events.push({
          type: "message",
          content: event.data.content ?? "",
          messageId,
          hasToolRequests: (event.data.toolRequests?.length ?? 0) > 0,
        });
        return { events };
      }
      case "tool.execution_start": {
        if (event.data.parentToolCallId) return NOTHING;
        const toolName = displayToolName(event.data);
        this.toolNames.set(event.data.toolCallId, toolName);
        return { events: [{ type: "tool_start", toolCallId: event.data.toolCallId, toolName }] };
      }
      case "tool.execution_complete": {
        const toolName = this.toolNames.get(event.data.toolCallId);
        if (toolName === undefined) return NOTHING; // Not a tool we announced (a sub-agent's).
        this.toolNames.delete(event.data.toolCallId);
        return {
          events: [{ type: "tool_end", toolCallId: event.data.toolCallId, toolName, success: event.data.success }],
        };
      }
      case "session.idle":
        return { events: [], end: { kind: "done", aborted: event.data.aborted === true } };
      case "session.error":
        if (this.creditLimitReached) return { events: [], end: { kind: "done", aborted: false } };
        return {
          events: [],
          end: {
            kind: "failed",
            failure: classifyFailure({
              message: event.data.message,
              errorType: event.data.errorType,
              ...(event.data.statusCode !== undefined ? { statusCode: event.data.statusCode } : {}),
            }),
          },
        };
      case "session.shutdown":
        return {
          events: [],
          end: { kind: "failed", failure: classifyFailure({ message: "The Copilot session shut down before the answer was complete." }) },
        };
      default:
        break;
    }
    // Untyped ephemeral events: a failed or retried model call voids what it streamed so far.
    switch (raw.type as string) {
      case "model.call_failure":
      case "model.turn_retry":
        return { events: this.discardOpenMessages() };
      default:
        return NOTHING;
    }
  }

  private discardOpenMessages(): RuntimeEvent[] {
    const events: RuntimeEvent[] = [...this.openMessages].map((messageId) => ({ type: "message_discarded", messageId }));
    this.openMessages.clear();
    return events;
  }
}
