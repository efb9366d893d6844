/**
 * What each workspace (a Slack workspace, a Discord server) used today, kept in the shared store so every replica
 * adds to and checks one total: AI credits and tokens per platform, workspace and UTC day, in atomic counters.
 */
import type { Logger } from "pino";
import type { ModelUsage } from "../runtime/events.js";
import type { StateStore } from "../store/types.js";
import { NANO_PER_CREDIT } from "../runtime/usage-events.js";
import { nextUtcMidnight, utcDayOf } from "./usage-day.js";

/** Whose usage: the platform and its workspace or guild ("dm" for Discord DMs, which have none). */
export interface UsageScope {
  platform: string;
  workspace: string;
}

/** One workspace's use on one UTC day. */
export interface DayUsage {
  day: string;
  nanoCredits: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface UsageLimits {
  /** DAILY_CREDITS_PER_WORKSPACE; no daily budget when unset. */
  dailyCredits?: number;
  /** MAX_CREDITS_PER_ANSWER (the runtime enforces it; here only for what the usage report says). */
  creditsPerAnswer?: number;
}

/** The daily budget is spent: no answer until `resetsAt`. */
export interface BudgetSpent {
  dailyCredits: number;
  used: DayUsage;
  resetsAt: number;
}

/** A day's counters outlive it a little, so a report just after midnight can still be checked in the store. */
const DAY_TTL_MS = 2 * 24 * 60 * 60_000;

const FIELDS = ["nanoCredits", "inputTokens", "outputTokens", "cachedInputTokens"] as const;

export class UsageLedger {
  private readonly now: () => number;

  constructor(
    private readonly store: StateStore,
    readonly limits: UsageLimits,
    private readonly logger: Logger,
    now: () => number = Date.now,
  ) {
    this.now = now;
  }

  /** Adds one model call's usage to its workspace's day; a store failure is logged (the answer goes on). */
  async record(scope: UsageScope, usage: ModelUsage): Promise<void> {
    const day = utcDayOf(this.now());
    try {
      await Promise.all(
        FIELDS.filter((field) => usage[field] > 0).map((field) => this.store.addToCounter(counterKey(scope, day, field), usage[field], DAY_TTL_MS)),
      );
    } catch (error) {
      this.logger.warn({ err: error, platform: scope.platform, workspace: scope.workspace }, "Could not record an answer's usage in the store");
    }
  }

  /** The workspace's use so far today (UTC). */
  async today(scope: UsageScope): Promise<DayUsage> {
    const day = utcDayOf(this.now());
    const [nanoCredits, inputTokens, outputTokens, cachedInputTokens] = await Promise.all(
      FIELDS.map((field) => this.store.readCounter(counterKey(scope, day, field))),
    );
    return { day, nanoCredits: nanoCredits!, inputTokens: inputTokens!, outputTokens: outputTokens!, cachedInputTokens: cachedInputTokens! };
  }

  /**
   * Set when the workspace's daily budget is spent (checked before an answer costs anything). An answer that
   * starts under the budget runs to its end, so the day can end a little over it (by at most the answers running).
   */
  async budgetSpent(scope: UsageScope): Promise<BudgetSpent | undefined> {
    const dailyCredits = this.limits.dailyCredits;
    if (dailyCredits === undefined) return undefined;
    const used = await this.today(scope);
    if (used.nanoCredits < dailyCredits * NANO_PER_CREDIT) return undefined;
    return { dailyCredits, used, resetsAt: nextUtcMidnight(this.now()) };
  }

  /** Now, on the ledger's clock (for sentences about when the day resets). */
  clock(): number {
    return this.now();
  }
}

/** The store counter of one figure of one workspace's day, e.g. "usage:slack:T123:2026-11-26:nanoCredits". */
export function counterKey(scope: UsageScope, day: string, field: (typeof FIELDS)[number]): string {
  return `usage:${scope.platform}:${scope.workspace}:${day}:${field}`;
}
