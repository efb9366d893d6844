import type { Logger } from "pino";
import { formatPromptWithHistory } from "../history/prompt.js";
import type { HistoryMessage, ImageInput, TextFileInput } from "../history/types.js";
import type { Metrics, AnswerStatus } from "../ops/metrics.js";
import { shareLongCode, type CodeFileOptions } from "../reply/code-files.js";
import { streamAnswer } from "../reply/native-stream-reply.js";
import type { ReplyObserver, ReplyOutcome, ReplyStrategy } from "../reply/stream-reply.js";
import { postSentence, type ReplyTarget } from "../reply/target.js";
import type { AnswerRequest, AnswerRuntime } from "../runtime/types.js";
import { SHUTDOWN_NOTE, STOPPED_NOTE, TAKEN_OVER_NOTE } from "../reply/notices.js";
import { limitMessageText } from "../history/message-cut.js";
import type { PlatformName } from "./platform.js";
import { threadAbortKind } from "./thread-run-abort.js";
import type { ReadOlder } from "../tools/read-thread.js";
import type { ToolRunContext } from "../tools/registry.js";
import type { UsageLedger, UsageScope } from "../usage/usage-ledger.js";
import { answerLimitNote, budgetSpentSentence } from "../usage/usage-sentences.js";
import { tapUsage } from "../usage/usage-tap.js";
import type { ConversationSettings } from "./conversation-settings.js";
import { modelFooter, withFooter, withoutFooter } from "./model-footer.js";

/** One message to answer, in the platform-neutral form every adapter produces. */
export interface ConversationTurn {
  platform: PlatformName;
  /** Stable id of the thread or conversation, e.g. "slack:T1:C1:1700000000.000100". */
  threadKey: string;
  /** The workspace (Slack) or server (Discord) usage is counted against; default: the platform as a whole. */
  workspace?: string;
  /** Oldest first; the last one is the message being answered. */
  history: HistoryMessage[];
  /** Images of the answered message, already downloaded and type-checked. */
  images: ImageInput[];
  /** Text files of the conversation, already downloaded and checked to be text. */
  files?: TextFileInput[];
  target: ReplyTarget;
  signal?: AbortSignal;
  /** Pages further back in the thread than `history` reaches (the `read_thread` tool). */
  readOlder?: ReadOlder;
  /** Sentences for the user about what was left out of their message (images over the limits, say). */
  notices?: string[];
  /** The conversation's chosen model, reasoning effort and channel instructions (absent: the defaults). */
  settings?: ConversationSettings;
}

export interface AnswererDeps {
  runtime: AnswerRuntime;
  logger: Logger;
  historyCharBudget: number;
  /** Longest message text taken into the prompt; longer is cut, and the model and the user are told. */
  maxMessageChars?: number;
  placeholder?: string;
  /** CODE_FILE_MIN_LINES / CODE_FILE_HEAD_LINES: long code blocks also shared as files (where the platform can). */
  codeFiles?: CodeFileOptions;
  /** The bot's own tools for one run of one thread, their per-run state fresh. */
  toolsFor?: (context: ToolRunContext) => AnswerRequest["tools"];
  metrics?: Metrics;
  /** How the answer is shown as it streams (default: the product's streamer; the benchmark swaps in others). */
  replyStrategy?: ReplyStrategy;
  /** Each workspace's usage of the day, and its daily budget (checked before an answer costs anything). */
  usage?: UsageLedger;
  /** The runtime's own model: an answer by any other one names its model in a footer. */
  defaultModel?: string;
  /** BYOK: the provider has one model, so a model choice stored earlier (under Copilot sign-in) is not used. */
  modelIsFixed?: boolean;
}

const STATUS_FOR_METRICS: Record<ReplyOutcome["status"], AnswerStatus> = {
  complete: "ok",
  empty: "ok",
  failed: "error",
  aborted: "stopped",
};

/** Why the answer was cut short, in the words the user sees. */
function stoppedNote(signal: AbortSignal | undefined): string {
  const kind = signal ? threadAbortKind(signal) : undefined;
  if (kind === "shutdown") return SHUTDOWN_NOTE;
  if (kind === "lock_lost") return TAKEN_OVER_NOTE;
  return STOPPED_NOTE;
}

/**
 * The core of the product, shared by every platform: history → prompt → Copilot → a reply that grows in place.
 * It never throws: whatever goes wrong ends up as the reply's own error sentence and a log line.
 */
export class Answerer {
  constructor(private readonly deps: AnswererDeps) {}

  async answer(turn: ConversationTurn): Promise<ReplyOutcome | undefined> {
    const { runtime, logger, metrics, usage } = this.deps;
    const log = logger.child({ platform: turn.platform, thread: turn.threadKey });
    const scope: UsageScope = { platform: turn.platform, workspace: turn.workspace ?? turn.platform };
    if (await this.budgetRefused(turn, scope, log)) return undefined;
    const settings = this.usableSettings(turn.settings);
    const { history, notices } = this.limitHistory(turn);
    const prompt = formatPromptWithHistory(history, { contextCharBudget: this.deps.historyCharBudget });
    const tools = this.deps.toolsFor?.({
      threadKey: turn.threadKey,
      ...(turn.readOlder ? { readOlder: turn.readOlder } : {}),
      ...(turn.signal ? { signal: turn.signal } : {}),
    });
    const request: AnswerRequest = {
      prompt,
      threadKey: turn.threadKey,
      ...(history.at(-1)?.speaker ? { requester: history.at(-1)!.speaker } : {}),
      ...(turn.images.length > 0 ? { images: turn.images } : {}),
      ...(turn.files && turn.files.length > 0 ? { files: turn.files } : {}),
      ...(tools && tools.length > 0 ? { tools } : {}),
      ...(turn.signal ? { signal: turn.signal } : {}),
      ...(settings?.model ? { model: settings.model } : {}),
      ...(settings?.reasoningEffort ? { reasoningEffort: settings.reasoningEffort as AnswerRequest["reasoningEffort"] } : {}),
      ...(settings?.instructions ? { instructions: settings.instructions } : {}),
    };
    const footer = modelFooter(settings, this.deps.defaultModel);
    const tracker = metrics?.answerStarted(turn.platform);
    const recording: Promise<void>[] = [];
    const events = tapUsage(runtime.stream(request), (used) => {
      metrics?.modelUsage(turn.platform, scope.workspace, used);
      if (usage) recording.push(usage.record(scope, used));
    });
    try {
      if (notices.length > 0) await this.postNotice(turn.target, notices);
      const stream = this.deps.replyStrategy ?? streamAnswer;
      const outcome = await stream(withFooter(events.events, footer), turn.target, {
        ...(this.deps.placeholder ? { placeholder: this.deps.placeholder } : {}),
        stoppedNote: () => {
          const limit = events.limitReached();
          return limit ? answerLimitNote(limit.maxCredits ?? usage?.limits.creditsPerAnswer) : stoppedNote(turn.signal);
        },
        ...(metrics ? { observer: this.observer(turn.platform, tracker!) } : {}),
      });
      // Recorded before the answer counts as finished, so the day's figures include it from then on.
      await Promise.all(recording);
      const limit = events.limitReached();
      if (limit) {
        metrics?.usageLimitReached(turn.platform, "answer");
        log.info({ usedCredits: limit.usedCredits, maxCredits: limit.maxCredits }, "answer stopped at its credit limit");
      }
      if (outcome.status !== "failed" || outcome.messages.length > 0) tracker?.finalEdit();
      if (outcome.failure) metrics?.error(outcome.failure.kind);
      if (outcome.deliveryError) metrics?.error("delivery");
      tracker?.finished(STATUS_FOR_METRICS[outcome.status]);
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
      // After the answer is complete and shown in full (code-files.ts says why then); it never throws.
      if (this.deps.codeFiles) await shareLongCode(outcome, turn.target, this.deps.codeFiles, log);
      return outcome;
    } catch (error) {
      metrics?.error("delivery");
      tracker?.finished("error");
      log.error({ err: error }, "answer could not be delivered");
      return undefined;
    }
  }

  /**
   * True when the workspace's daily budget is spent: the question gets the one sentence that says so (and when it
   * resets) and no model call. A store that cannot be read does not block answers (the failure is logged).
   */
  private async budgetRefused(turn: ConversationTurn, scope: UsageScope, log: Logger): Promise<boolean> {
    const usage = this.deps.usage;
    if (!usage) return false;
    const spent = await usage.budgetSpent(scope).catch((error: unknown) => {
      log.warn({ err: error }, "Could not read the day's usage; answering without checking the daily budget");
      return undefined;
    });
    if (!spent) return false;
    this.deps.metrics?.usageLimitReached(turn.platform, "daily");
    log.info({ workspace: scope.workspace, dailyCredits: spent.dailyCredits, usedNanoCredits: spent.used.nanoCredits }, "question refused: the daily budget is spent");
    await postSentence(turn.target, budgetSpentSentence(spent, usage.clock())).catch((error: unknown) =>
      log.warn({ err: error }, "Could not say that the daily budget is spent"),
    );
    return true;
  }

  /** The turn's settings this runtime can honour: with BYOK, the channel's instructions only. */
  private usableSettings(settings: ConversationSettings | undefined): ConversationSettings | undefined {
    if (!this.deps.modelIsFixed || !settings) return settings;
    return settings.instructions ? { instructions: settings.instructions } : undefined;
  }

  /** A short italic note before the answer; it draws from the scope's budget like any other post. */
  private async postNotice(target: ReplyTarget, notices: string[]): Promise<void> {
    await postSentence(target, notices.map((n) => `_${n}_`).join("\n"));
  }

  /** Caps every message at the size limit; the user hears about their own message being cut. */
  private limitHistory(turn: ConversationTurn): { history: HistoryMessage[]; notices: string[] } {
    const notices = [...(turn.notices ?? [])];
    const max = this.deps.maxMessageChars;
    // The bot's earlier answers lose their model footer: it is for the people in the thread, not the model.
    const messages = turn.history.map((message) =>
      message.role === "assistant" ? { ...message, text: withoutFooter(message.text) } : message,
    );
    if (!max) return { history: messages, notices };
    const last = messages.length - 1;
    const history = messages.map((message, index) => {
      const limited = limitMessageText(message.text, max);
      if (limited.omittedChars === 0) return message;
      if (index === last && limited.userNotice) notices.push(limited.userNotice);
      return { ...message, text: limited.text };
    });
    return { history, notices };
  }

  private observer(platform: ConversationTurn["platform"], tracker: ReturnType<Metrics["answerStarted"]>): ReplyObserver {
    const metrics = this.deps.metrics!;
    return {
      onCall: (call) => {
        if (call.ok && call.kind === "edit") metrics.edit(platform);
      },
      onRateLimited: () => metrics.rateLimited(platform),
      onFirstVisible: () => tracker.firstVisibleWords(),
      // The text's last edit, not a later one that only swaps Stop for 👍/👎 (that one waits behind every answer's words).
      onFinalText: () => tracker.finalEdit(),
    };
  }
}
