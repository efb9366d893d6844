/**
 * The runtime's reports of what an answer costs, read loosely (the fields are optional or experimental in the SDK,
 * and `model.response_limits_status` is outside its typed union): `assistant.usage` after every model call, and
 * the session's credit limit (`sessionLimits.maxAiCredits`) being spent. Seen with runtime 1.0.85: mid-turn, the
 * tools the model asked for are skipped (`tool.execution_complete`, error code `session_limits_exhausted`) and the
 * turn ends in a `session.error` ("No response was returned"); at the start of a turn, a
 * `model.response_limits_status` in state "blocked" comes instead, then `session.idle`.
 */
import type { RuntimeEvent } from "./events.js";

/** Nano AI units per AI credit: the runtime counts `copilot_usage.total_nano_aiu` against maxAiCredits this way. */
export const NANO_PER_CREDIT = 1_000_000_000;

/** The usage or limit event one raw session event carries, if any. */
export function usageEventOf(raw: { type: string; data?: unknown }): RuntimeEvent | undefined {
  if (raw.type === "assistant.usage") return usageOf(raw.data);
  if (raw.type === "model.response_limits_status") return limitOf(raw.data);
  if (raw.type === "tool.execution_complete" && isLimitSkip(raw.data)) return { type: "credit_limit" };
  return undefined;
}

function usageOf(data: unknown): RuntimeEvent | undefined {
  if (!data || typeof data !== "object") return undefined;
  const d = data as Record<string, unknown>;
  const copilotUsage = d.copilotUsage as { totalNanoAiu?: unknown } | undefined;
  return {
    type: "usage",
    usage: {
      model: typeof d.model === "string" ? d.model : "",
      inputTokens: count(d.inputTokens),
      outputTokens: count(d.outputTokens),
      cachedInputTokens: count(d.cacheReadTokens),
      // Only the Copilot service reports it; a BYOK provider's answer carries none (the runtime's `cost` is 0 then).
      nanoCredits: count(copilotUsage?.totalNanoAiu),
    },
  };
}

function limitOf(data: unknown): RuntimeEvent | undefined {
  const d = (data ?? {}) as { state?: unknown; status?: { isLimitsExhausted?: unknown; aiCreditsUsed?: unknown; maxAiCredits?: unknown } };
  // Other states only report; "blocked" is the runtime refusing the next model call, which ends the turn.
  if (d.state !== "blocked" && d.status?.isLimitsExhausted !== true) return undefined;
  const used = Number(d.status?.aiCreditsUsed);
  const max = Number(d.status?.maxAiCredits);
  return { type: "credit_limit", ...(Number.isFinite(used) ? { usedCredits: used } : {}), ...(max > 0 ? { maxCredits: max } : {}) };
}

function isLimitSkip(data: unknown): boolean {
  const d = (data ?? {}) as { success?: unknown; error?: { code?: unknown } };
  return d.success === false && d.error?.code === "session_limits_exhausted";
}

/** A whole number of at least 0, whatever came (a missing or malformed figure counts as 0). */
function count(value: unknown): number {
  const n = typeof value === "number" ? value : Number.NaN;
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
