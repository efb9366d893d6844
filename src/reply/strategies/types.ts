/**
 * A reply strategy turns one answer's runtime events into messages on a target. The product uses `streamReply`
 * (src/reply/stream-reply.ts); the benchmark swaps in the editing strategies other bots use, to compare.
 */
import type { RuntimeEvent } from "../../runtime/events.js";
import type { ReplyOutcome, StreamReplyOptions } from "../stream-reply.js";
import type { ReplyTarget } from "../target.js";

export type ReplyStrategy = (
  events: AsyncIterable<RuntimeEvent>,
  target: ReplyTarget,
  options?: StreamReplyOptions,
) => Promise<ReplyOutcome>;
