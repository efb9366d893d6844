/** The editing strategies the benchmark compares: the product's own, and the ones other bots use. */
import { streamReply } from "../../src/reply/stream-reply.js";
import { fixedTimerReply } from "./fixed-timer.js";
import { flushIntoMessages } from "./flush-messages.js";
import type { ReplyStrategy } from "../../src/reply/stream-reply.js";

export type { ReplyStrategy } from "../../src/reply/stream-reply.js";
export { fixedTimerReply } from "./fixed-timer.js";
export { flushIntoMessages } from "./flush-messages.js";

export const STRATEGY_NAMES = ["ours", "timer-500ms", "timer-1s", "flush-2s"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** A strategy by its benchmark name; a name it does not know is a clear error. */
export function replyStrategy(name: string): ReplyStrategy {
  switch (name) {
    case "ours":
      return streamReply;
    case "timer-500ms":
      return fixedTimerReply(500);
    case "timer-1s":
      return fixedTimerReply(1000);
    case "flush-2s":
      return flushIntoMessages(2000);
    default:
      throw new Error(`Unknown reply strategy "${name}"; use one of ${STRATEGY_NAMES.join(", ")}.`);
  }
}
