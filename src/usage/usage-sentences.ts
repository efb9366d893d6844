/** What people read about usage and its limits: one sentence each, platform-neutral Markdown. */
import { NANO_PER_CREDIT } from "../runtime/usage-events.js";
import { durationUntil, nextUtcMidnight } from "./usage-day.js";
import type { BudgetSpent, DayUsage, UsageLimits } from "./usage-ledger.js";

/** "12.5": credits with at most two decimals. */
export function formatCredits(nanoCredits: number): string {
  return String(Math.round((nanoCredits / NANO_PER_CREDIT) * 100) / 100);
}

const tokens = (n: number) => n.toLocaleString("en-US");

/** The one sentence a question gets, instead of an answer, once the daily budget is spent. */
export function budgetSpentSentence(spent: BudgetSpent, now: number): string {
  return `Sorry, the daily budget of ${spent.dailyCredits} AI credits here is used up (${formatCredits(spent.used.nanoCredits)} used today); it resets at 00:00 UTC, in ${durationUntil(now, spent.resetsAt)}.`;
}

/** Ends an answer the runtime stopped at the per-answer limit (sessionLimits.maxAiCredits). */
export function answerLimitNote(maxCredits: number | undefined): string {
  const limit = maxCredits === undefined ? "its AI credit limit" : `its limit of ${maxCredits} AI credits`;
  return `_(Stopped: this answer reached ${limit}; the next question starts with a fresh allowance.)_`;
}

/** The reply to `/copilot usage` and `/usage`: the day's use against the budget. */
export function usageReport(used: DayUsage, limits: UsageLimits, now: number): string {
  const credits = formatCredits(used.nanoCredits);
  const budget =
    limits.dailyCredits === undefined
      ? `${credits} AI credits (no daily budget is set)`
      : `${credits} of the ${limits.dailyCredits} AI credits of the daily budget (${formatCredits(Math.max(0, limits.dailyCredits * NANO_PER_CREDIT - used.nanoCredits))} left)`;
  const cached = used.cachedInputTokens > 0 ? ` (${tokens(used.cachedInputTokens)} of them cached)` : "";
  const lines = [
    `Usage here today (${used.day}, UTC): ${budget}, over ${tokens(used.inputTokens)} input tokens${cached} and ${tokens(used.outputTokens)} output tokens.`,
  ];
  if (used.nanoCredits === 0 && used.inputTokens + used.outputTokens > 0) {
    lines.push("The model service reported no AI credits for these tokens (a bring-your-own-key provider reports none).");
  }
  if (limits.creditsPerAnswer !== undefined) lines.push(`Each answer may use at most ${limits.creditsPerAnswer} AI credits.`);
  lines.push(`The day resets at 00:00 UTC, in ${durationUntil(now, nextUtcMidnight(now))}.`);
  return lines.join("\n");
}
