/**
 * The one piece of code that turns the runtime's events into an answer: its text as it builds up (AnswerText),
 * how it ended (the terminal event), and when its first words came. Used by the reply streamer, by
 * CopilotRuntime.runSession (a tool asking the model and wanting only the text) and by the benchmark's peers, so
 * all of them read a retry, a discarded model call or an abort the same way.
 */
import type { RuntimeEvent } from "../runtime/events.js";
import { AnswerText } from "./answer-text.js";
import { terminalOf, type Terminal } from "./final-text.js";

export interface ReadHooks {
  /** Asked before each event: true stops reading (the reply can no longer be delivered, say). */
  stop?: () => boolean;
  /** Told of every event after it was applied; `took` is false for an event that changed nothing of the answer. */
  onEvent?: (event: RuntimeEvent, took: boolean) => void;
}

export class AnswerReader {
  private readonly answer = new AnswerText();
  terminal: Terminal | undefined;
  /** Clock time of the first delta. */
  firstDeltaAt: number | undefined;
  /** How many times the runtime started the answer over. */
  retries = 0;

  constructor(private readonly now: () => number = () => 0) {}

  /** The answer's Markdown so far: every model call's text, in the order they began. */
  get text(): string {
    return this.answer.text;
  }

  /** The last complete, non-empty message of the answer (after tool calls, the one that answers). */
  get lastMessage(): string {
    return this.answer.lastMessage;
  }

  /** Applies one event; false when it changed nothing of the answer (tool events, malformed ones). */
  apply(event: RuntimeEvent): boolean {
    if (!event || typeof event !== "object") return false;
    switch (event.type) {
      case "delta":
        if (typeof event.text !== "string" || event.text === "") return false;
        this.firstDeltaAt ??= this.now();
        this.answer.addDelta(String(event.messageId ?? ""), event.text);
        return true;
      case "message":
        if (typeof event.content !== "string") return false;
        this.answer.setMessage(String(event.messageId ?? ""), event.content);
        return true;
      case "message_discarded":
        // The runtime retries this one model call itself: its partial text comes again under a new id.
        this.answer.discard(String(event.messageId ?? ""));
        return true;
      case "retry":
        // Everything streamed so far is void and will come again.
        this.answer.reset();
        this.retries++;
        return true;
      case "error":
      case "done":
        this.terminal = terminalOf(event);
        return true;
      default:
        return false;
    }
  }

  /**
   * Reads `events` to their terminal event; never throws: a failing event stream ends the answer as an error,
   * and a stream that ends without a terminal event is taken as a complete answer.
   */
  async read(events: AsyncIterable<RuntimeEvent>, hooks: ReadHooks = {}): Promise<void> {
    try {
      for await (const event of events) {
        if (hooks.stop?.()) break;
        const took = this.apply(event);
        hooks.onEvent?.(event, took);
        if (this.terminal) break;
      }
      this.terminal ??= { kind: "done", aborted: false };
    } catch (error) {
      this.terminal ??= { kind: "error", failure: { kind: "other", message: error instanceof Error ? error.message : String(error) } };
    }
  }
}
