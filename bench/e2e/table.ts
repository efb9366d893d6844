/**
 * The benchmark's one table: every run a row, each beside its reference in the same run. On Slack the reference is
 * the Chat SDK-like peer (issue 18: "each row beside the Chat SDK-like strategy's in the same run, with the
 * ratio"): the ratio is the peer's figure over the row's (×6: the peer takes six times as long as this row). On
 * Discord it is ours, the ratio the row's figure over ours (×2: this peer takes twice as long as ours).
 */
import type { ScenarioResult } from "./scenario.js";
import type { Spread } from "./stats.js";

export const HEADER = [
  "Platform",
  "Conv.",
  "Strategy",
  "Placeholder s p50/p95",
  "First words s p50/p95",
  "Complete s p50/p95",
  "Word lag s p50/p95",
  "429s",
  "429s by method",
  "chat.update used of 50 (busiest 60 s)",
  "Posts",
  "Edits",
  "Appends",
  "Final = model",
  "CPU s/conv. bot+runtime",
  "Peak MB bot+runtime (+/conv.)",
  "Ratio, Slack: chat-sdk ÷ row, Discord: row ÷ ours: first words / complete / lag p50 / lag p95",
];

/** The reference strategy of each platform's rows. */
export const REFERENCE = { slack: "chat-sdk", discord: "ours" } as const;

const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(ms < 10_000 ? 1 : 0) : "–");
const pair = (s: Spread) => `${seconds(s.p50)} / ${seconds(s.p95)}`;

function ratio(peer: number, ours: number): string {
  if (!Number.isFinite(peer) || !Number.isFinite(ours) || ours <= 0) return "–";
  const r = peer / ours;
  return `×${r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(1) : r.toFixed(2)}`;
}

function cpu(result: ScenarioResult): string {
  const u = result.usage;
  if (!u) return "–";
  const n = result.spec.conversations;
  return `${((u.botCpuS + u.runtimeCpuS) / n).toFixed(2)} (${(u.botCpuS / n).toFixed(2)}+${(u.runtimeCpuS / n).toFixed(2)})`;
}

function memory(result: ScenarioResult): string {
  const u = result.usage;
  if (!u) return "–";
  const peak = (u.botPeakKb + u.runtimePeakKb) / 1024;
  const growth = (u.botPeakKb - u.botStartKb + (u.runtimePeakKb - u.runtimeStartKb)) / 1024 / result.spec.conversations;
  return `${peak.toFixed(0)} (+${growth.toFixed(1)})`;
}

/** 429s per method, short: Slack's `chat.` and `assistant.threads.` left off; Discord's global ones always said. */
function byMethod(r: ScenarioResult): string {
  const by = r.rateLimitedBy;
  if (r.spec.platform === "discord") return `global ${by.global ?? 0}, per-route ${by["per-route"] ?? 0}`;
  const parts = Object.entries(by)
    .filter(([, count]) => count > 0)
    .map(([method, count]) => `${method.replace(/^(chat|assistant\.threads)\./, "")} ${count}`);
  return parts.length ? parts.join(", ") : "–";
}

export function rows(results: ScenarioResult[]): string[][] {
  const references = new Map<string, ScenarioResult>();
  for (const r of results) {
    if (r.spec.strategy === REFERENCE[r.spec.platform]) references.set(`${r.spec.platform}:${r.spec.conversations}`, r);
  }
  return results.map((r) => {
    const ref = references.get(`${r.spec.platform}:${r.spec.conversations}`);
    const n = r.spec.conversations;
    // Slack: the peer's figure over the row's; Discord: the row's over ours.
    const [num, den] = r.spec.platform === "slack" ? [ref, r] : [r, ref];
    const versus =
      r.spec.strategy === REFERENCE[r.spec.platform] || !ref || !num || !den
        ? ""
        : [
            ratio(num.firstWords.p50, den.firstWords.p50),
            ratio(num.complete.p50, den.complete.p50),
            ratio(num.lag.p50, den.lag.p50),
            ratio(num.lag.p95, den.lag.p95),
          ].join(" / ");
    const where = r.spec.platform === "slack" ? (r.spec.workspaces > 1 ? `Slack (${r.spec.workspaces} ws)` : "Slack") : "Discord";
    return [
      where,
      String(n),
      r.spec.strategy + (r.problem ? " (!)" : ""),
      pair(r.placeholder),
      pair(r.firstWords),
      pair(r.complete),
      pair(r.lag),
      String(r.rateLimited),
      byMethod(r),
      r.updatesInBusiestMinute !== undefined ? String(r.updatesInBusiestMinute) : "–",
      String(r.posts),
      String(r.edits),
      String(r.appends),
      `${r.completeAnswers}/${n}`,
      cpu(r),
      memory(r),
      versus,
    ];
  });
}

export function textTable(results: ScenarioResult[]): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" │ ");
  return [line(HEADER), widths.map((w) => "─".repeat(w)).join("─┼─"), ...all.slice(1).map(line)].join("\n");
}

export function markdownTable(results: ScenarioResult[]): string {
  const line = (row: string[]) => `| ${row.join(" | ")} |`;
  const align = HEADER.map((_, c) => (c <= 2 ? "---" : "---:"));
  return [line(HEADER), line(align), ...rows(results).map(line)].join("\n");
}
