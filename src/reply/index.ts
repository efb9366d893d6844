/** The reply streamer's public surface. */
export { streamReply } from "./stream-reply.js";
export type { ReplyOutcome, ReplyStatus, ReplyObserver, ReplyCall, StreamReplyOptions } from "./stream-reply.js";
export { BudgetRegistry, ScopeBudget, budgets, type BudgetRate } from "./budget.js";
export { realClock, ManualClock, type Clock } from "./clock.js";
export { tablesToText } from "./tables.js";
export { failureSentence, toolStatusLine, DEFAULT_PLACEHOLDER, STOPPED_NOTE, EMPTY_ANSWER_NOTE } from "./notices.js";
export { layout, messageText, type Chunk } from "./split.js";
export { RateLimitedError, type ReplyTarget, type EditBudget, type MessageRef } from "./target.js";
export { MemoryTarget, PlatformRateLimit, type MemoryCall, type MemoryTargetOptions } from "./memory-target.js";
