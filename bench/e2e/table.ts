/** The benchmark's one table: every run a row, the peers' rows with their ratios against ours. */
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
  "Edits",
  "Posts",
  "Final = model",
  "CPU s/conv. bot+runtime",
  "Peak MB bot+runtime (+/conv.)",
  "vs ours: first words / complete / lag (p50)",
];

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

export function rows(results: ScenarioResult[]): string[][] {
  const ours = new Map<string, ScenarioResult>();
  for (const r of results) if (r.spec.strategy === "ours") ours.set(`${r.spec.platform}:${r.spec.conversations}`, r);
  return results.map((r) => {
    const base = ours.get(`${r.spec.platform}:${r.spec.conversations}`);
    const n = r.spec.conversations;
    const versus =
      r.spec.strategy === "ours" || !base
        ? ""
        : [ratio(r.firstWords.p50, base.firstWords.p50), ratio(r.complete.p50, base.complete.p50), ratio(r.lag.p50, base.lag.p50)].join(" / ");
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
      String(r.edits),
      String(r.posts),
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
