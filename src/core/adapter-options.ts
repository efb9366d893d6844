/**
 * The options every platform adapter takes, whatever the platform: what to answer, who answers, where state
 * lives, and the limits that keep an answer's cost bounded. Each adapter's options extend this with only its
 * platform's connection details and rates.
 */
import type { Logger } from "pino";
import type { TextFileLimits } from "../media/text-files.js";
import type { BudgetRegistry } from "../reply/budget/budget.js";
import type { AccessRequest } from "../safety/access.js";
import type { GateCheckOptions, GateDecision } from "../safety/request-gate.js";
import type { StateStore } from "../store/types.js";
import type { UsageLedger } from "../usage/usage-ledger.js";
import type { ConversationTurn } from "./answer.js";
import type { ThreadCoordinatorOptions } from "./thread-coordinator.js";
import type { ModelCatalog } from "./settings-commands.js";

/** The core's Answerer (src/core/answer.ts), or anything that answers a turn the same way. */
export interface TurnAnswerer {
  /** Builds the prompt, streams the answer into the target; never throws. */
  answer(turn: ConversationTurn): Promise<unknown>;
}

/** The safety gate (src/safety/request-gate.ts `RequestGate`): access allow-lists, then the per-user rate. */
export interface AdapterRequestGate {
  check(request: AccessRequest, options?: GateCheckOptions): GateDecision;
}

/** Tuning of the per-thread coordinator (src/core/thread-coordinator.ts); the defaults suit production. */
export type CoordinatorTuning<Item> = Partial<
  Pick<ThreadCoordinatorOptions<Item>, "lockTtlMs" | "stopPollMs" | "queueTtlMs" | "replicaId">
>;

/** `Item` is what the adapter queues for a thread's next run. */
export interface AdapterCommonOptions<Item> {
  /** ANSWER_THREAD_FOLLOWUPS (default true). */
  answerThreadFollowUps?: boolean;
  /** ANSWER_OTHER_BOTS (default false). */
  answerOtherBots?: boolean;
  /** COPILOT_VISION: download the answered messages' images for the model (default false). */
  downloadImages?: boolean;
  answerer: TurnAnswerer;
  /** Waiting thread messages live in its queues, locks and handled records too. */
  store: StateStore;
  logger: Logger;
  /** Checked for every accepted message and stop, before anything costs a model call. */
  gate?: AdapterRequestGate;
  /** HISTORY_CHAR_BUDGET: the Answerer's history budget, so read_thread starts exactly where the prompt's history ends. */
  historyCharBudget?: number;
  /** MAX_MESSAGE_CHARS: the Answerer's, for the same reason (long messages are cut before the budget applies). */
  maxMessageChars?: number;
  /** Per-thread coordinator tuning (lock lifetime, stop polling, queue lifetime). */
  coordinator?: CoordinatorTuning<Item>;
  budgets?: BudgetRegistry;
  maxMessageLength?: number;
  /** How long a message that arrives while the store is unreachable keeps being retried (default 60 s). */
  storeRetryMs?: number;
  /** How long handled messages are remembered (default 24 h). */
  handledTtlMs?: number;
  /** How long a thread the bot answered in stays "followed", and its replies stoppable (default 7 days). */
  followTtlMs?: number;
  maxImages?: number;
  maxImageBytes?: number;
  /** The day's usage per workspace, for the usage commands (`/copilot usage`, `/usage`). */
  usage?: UsageLedger;
  /** MAX_TEXT_FILES, MAX_TEXT_FILE_BYTES, MAX_TEXT_FILES_TOTAL_BYTES: the conversation's text files for the model. */
  textFiles?: TextFileLimits;
  /** The models a channel may choose (`/copilot model`, Discord `/model`); without it the commands say so. */
  models?: ModelCatalog;
}
