import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ModelUsage } from "../runtime/events.js";
import { NANO_PER_CREDIT } from "../runtime/usage-events.js";
import { BoundedLabel } from "./bounded-label.js";

/** Workspaces (and servers) with a series of their own in the usage metrics; the rest count as "other". */
export const WORKSPACE_LABEL_CAP = 50;

/** Where an answer ran; free text so a new adapter needs no change here. */
export type PlatformName = "slack" | "discord" | (string & {});
/** How an answer ended. */
export type AnswerStatus = "ok" | "error" | "stopped" | "aborted";

/** Seconds buckets for user-visible latency: first words should come within a few seconds, answers within minutes. */
const LATENCY_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 300];

/** Tracks one answer from start to end; every method after the first call of `finished` is ignored. */
export interface AnswerTracker {
  /** The reply first showed words to the user. Only the first call counts. */
  firstVisibleWords(): void;
  /** The reply's final edit landed. Only the first call counts. */
  finalEdit(): void;
  /** The answer ended; lowers the active-answers gauge once. */
  finished(status: AnswerStatus): void;
}

/**
 * threadpilot's Prometheus metrics on a registry of their own (never prom-client's global one), so tests and
 * several instances in one process do not collide.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly answers: Counter<"platform" | "status">;
  private readonly errors: Counter<"kind">;
  private readonly edits: Counter<"platform">;
  private readonly rateLimits: Counter<"platform">;
  private readonly firstWords: Histogram<"platform">;
  private readonly finalEdits: Histogram<"platform">;
  private readonly active: Gauge<"platform">;
  private readonly feedbacks: Counter<"platform" | "rating">;
  private readonly tokens: Counter<"platform" | "workspace" | "type">;
  private readonly credits: Counter<"platform" | "workspace">;
  private readonly limitsReached: Counter<"platform" | "limit">;
  private readonly workspaces: BoundedLabel;
  private readonly now: () => number;

  /** `now` (milliseconds, monotonic) is injectable so tests can drive the latency histograms. */
  constructor(options: { defaultMetrics?: boolean; now?: () => number; workspaceLabelCap?: number } = {}) {
    this.now = options.now ?? (() => performance.now());
    const registers = [this.registry];
    this.answers = new Counter({ name: "threadpilot_answers_total", help: "Answers finished, by platform and how they ended.", labelNames: ["platform", "status"], registers });
    this.errors = new Counter({ name: "threadpilot_errors_total", help: "Errors, by kind.", labelNames: ["kind"], registers });
    this.edits = new Counter({ name: "threadpilot_edits_total", help: "Message edits sent to a platform.", labelNames: ["platform"], registers });
    this.rateLimits = new Counter({ name: "threadpilot_platform_rate_limited_total", help: "HTTP 429 answers from a platform.", labelNames: ["platform"], registers });
    this.firstWords = new Histogram({
      name: "threadpilot_time_to_first_words_seconds",
      help: "From the mention to the first words visible in the reply.",
      labelNames: ["platform"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.finalEdits = new Histogram({
      name: "threadpilot_time_to_final_edit_seconds",
      help: "From the mention to the reply showing its final text (a later edit that only changes its buttons is not counted).",
      labelNames: ["platform"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.active = new Gauge({ name: "threadpilot_active_answers", help: "Answers streaming right now.", labelNames: ["platform"], registers });
    this.feedbacks = new Counter({ name: "threadpilot_feedback_total", help: "Answers rated by their readers (thumbs up or down), by platform and rating.", labelNames: ["platform", "rating"], registers });
    this.tokens = new Counter({
      name: "threadpilot_model_tokens_total",
      help: "Model tokens as the runtime reported them, by platform, workspace (or server; the first 50, the rest \"other\") and type: input, output, cached_input (input served from the provider's cache, also counted in input).",
      labelNames: ["platform", "workspace", "type"],
      registers,
    });
    this.credits = new Counter({
      name: "threadpilot_model_credits_total",
      help: "AI credits the Copilot service reported (copilot_usage), by platform and workspace; BYOK providers report none.",
      labelNames: ["platform", "workspace"],
      registers,
    });
    this.limitsReached = new Counter({
      name: "threadpilot_usage_limit_reached_total",
      help: "Answers stopped at the per-answer credit limit (limit=\"answer\") and questions refused on a spent daily budget (limit=\"daily\").",
      labelNames: ["platform", "limit"],
      registers,
    });
    this.workspaces = new BoundedLabel(options.workspaceLabelCap ?? WORKSPACE_LABEL_CAP);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "threadpilot_" });
  }

  /** An answer began (call when the mention is accepted); measure its latencies through the tracker. */
  answerStarted(platform: PlatformName): AnswerTracker {
    const started = this.now();
    const elapsed = (): number => Math.max(0, (this.now() - started) / 1000);
    let sawWords = false;
    let sawFinal = false;
    let done = false;
    this.active.inc({ platform });
    return {
      firstVisibleWords: () => {
        if (done || sawWords) return;
        sawWords = true;
        this.firstWords.observe({ platform }, elapsed());
      },
      finalEdit: () => {
        if (done || sawFinal) return;
        sawFinal = true;
        this.finalEdits.observe({ platform }, elapsed());
      },
      finished: (status) => {
        if (done) return;
        done = true;
        this.active.dec({ platform });
        this.answers.inc({ platform, status });
      },
    };
  }

  /** One edit of a reply message was sent. */
  edit(platform: PlatformName): void {
    this.edits.inc({ platform });
  }

  /** A platform answered HTTP 429. */
  rateLimited(platform: PlatformName): void {
    this.rateLimits.inc({ platform });
  }

  /** Someone rated an answer 👍 ("up") or 👎 ("down"); a changed vote counts again. One metric for every platform. */
  feedback(platform: PlatformName, rating: "up" | "down"): void {
    this.feedbacks.inc({ platform, rating });
  }

  /** One model call's usage, counted against its platform and workspace. */
  modelUsage(platform: PlatformName, workspace: string, usage: ModelUsage): void {
    const labels = { platform, workspace: this.workspaces.of(workspace) };
    this.tokens.inc({ ...labels, type: "input" }, usage.inputTokens);
    this.tokens.inc({ ...labels, type: "output" }, usage.outputTokens);
    if (usage.cachedInputTokens > 0) this.tokens.inc({ ...labels, type: "cached_input" }, usage.cachedInputTokens);
    this.credits.inc(labels, usage.nanoCredits / NANO_PER_CREDIT);
  }

  /** An answer hit its per-answer credit limit, or a question was refused on a spent daily budget. */
  usageLimitReached(platform: PlatformName, limit: "answer" | "daily"): void {
    this.limitsReached.inc({ platform, limit });
  }

  /** Something failed; `kind` is a short fixed word such as a RuntimeFailure kind ("timeout") or "store". */
  error(kind: string): void {
    this.errors.inc({ kind });
  }

  /** The exposition text for /metrics. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
