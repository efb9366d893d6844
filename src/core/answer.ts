import type { Logger } from "pino";
import { formatPromptWithHistory } from "../history/prompt.js";
import type { HistoryMessage, ImageInput } from "../history/types.js";
import { streamReply, type ReplyObserver, type ReplyOutcome } from "../reply/stream-reply.js";
import type { ReplyTarget } from "../reply/target.js";
import type { AnswerRequest, AnswerRuntime } from "../runtime/types.js";

/** One message to answer, in the platform-neutral form every adapter produces. */
export interface ConversationTurn {
  platform: "slack" | "discord";
  /** Stable id of the thread or conversation, e.g. "slack:T1:C1:1700000000.000100". */
  threadKey: string;
  /** Oldest first; the last one is the message being answered. */
  history: HistoryMessage[];
  /** Images of the answered message, already downloaded and type-checked. */
  images: ImageInput[];
  target: ReplyTarget;
  signal?: AbortSignal;
}

export interface AnswererDeps {
  runtime: AnswerRuntime;
  logger: Logger;
  historyCharBudget: number;
  placeholder?: string;
  /** Tools for one run of one thread (the bot's own tools, their per-run state fresh). */
  toolsFor?: (turn: ConversationTurn) => AnswerRequest["tools"];
  /** Observer for metrics, per platform. */
  observerFor?: (turn: ConversationTurn) => ReplyObserver | undefined;
}

/**
 * The core of the product, shared by every platform: history → prompt → Copilot → a reply that grows in place.
 * It never throws: whatever goes wrong ends up as the reply's own error sentence and a log line.
 */
export class Answerer {
  constructor(private readonly deps: AnswererDeps) {}

  async answer(turn: ConversationTurn): Promise<ReplyOutcome | undefined> {
    const { runtime, logger, historyCharBudget, placeholder, toolsFor, observerFor } = this.deps;
    const log = logger.child({ platform: turn.platform, thread: turn.threadKey });
    const prompt = formatPromptWithHistory(turn.history, { contextCharBudget: historyCharBudget });
    const tools = toolsFor?.(turn);
    const request: AnswerRequest = {
      prompt,
      threadKey: turn.threadKey,
      ...(turn.images.length > 0 ? { images: turn.images } : {}),
      ...(tools && tools.length > 0 ? { tools } : {}),
      ...(turn.signal ? { signal: turn.signal } : {}),
    };
    const observer = observerFor?.(turn);
    try {
      const outcome = await streamReply(runtime.stream(request), turn.target, {
        ...(placeholder ? { placeholder } : {}),
        ...(observer ? { observer } : {}),
      });
      log.info(
        {
          status: outcome.status,
          failure: outcome.failure?.kind,
          messages: outcome.messages.length,
          edits: outcome.edits,
          rateLimited: outcome.rateLimited,
          retries: outcome.retries,
          firstVisibleMs: outcome.firstVisibleMs,
          deliveryError: outcome.deliveryError?.message,
        },
        "answer finished",
      );
      return outcome;
    } catch (error) {
      log.error({ err: error }, "answer could not be delivered");
      return undefined;
    }
  }
}
