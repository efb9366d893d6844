import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/ops/metrics.js";

/** The value of one sample line such as `threadpilot_edits_total{platform="slack"} 3`. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const escaped = `${name}${labels}`.replace(/[{}|.*+?^$()[\]\\]/g, "\\$&");
  const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
}

describe("Metrics", () => {
  it("counts answers by platform and status, and tracks active answers", async () => {
    const metrics = new Metrics();
    const first = metrics.answerStarted("slack");
    const second = metrics.answerStarted("slack");
    metrics.answerStarted("discord");
    let text = await metrics.render();
    expect(sample(text, "threadpilot_active_answers", '{platform="slack"}')).toBe(2);
    expect(sample(text, "threadpilot_active_answers", '{platform="discord"}')).toBe(1);

    first.finished("ok");
    first.finished("ok"); // a second end of the same answer changes nothing
    second.finished("stopped");
    text = await metrics.render();
    expect(sample(text, "threadpilot_active_answers", '{platform="slack"}')).toBe(0);
    expect(sample(text, "threadpilot_answers_total", '{platform="slack",status="ok"}')).toBe(1);
    expect(sample(text, "threadpilot_answers_total", '{platform="slack",status="stopped"}')).toBe(1);
  });

  it("observes time to first words and to the final edit in seconds, once per answer", async () => {
    let nowMs = 1_000;
    const metrics = new Metrics({ now: () => nowMs });
    const answer = metrics.answerStarted("discord");
    nowMs += 1_500;
    answer.firstVisibleWords();
    nowMs += 500;
    answer.firstVisibleWords(); // ignored: only the first words count
    nowMs += 4_000;
    answer.finalEdit();
    answer.finished("ok");
    const text = await metrics.render();
    expect(sample(text, "threadpilot_time_to_first_words_seconds_count", '{platform="discord"}')).toBe(1);
    expect(sample(text, "threadpilot_time_to_first_words_seconds_sum", '{platform="discord"}')).toBe(1.5);
    expect(sample(text, "threadpilot_time_to_first_words_seconds_bucket", '{le="2",platform="discord"}')).toBe(1);
    expect(sample(text, "threadpilot_time_to_first_words_seconds_bucket", '{le="1",platform="discord"}')).toBe(0);
    expect(sample(text, "threadpilot_time_to_final_edit_seconds_sum", '{platform="discord"}')).toBe(6);
  });

  it("counts edits, platform 429s and errors by kind", async () => {
    const metrics = new Metrics();
    metrics.edit("slack");
    metrics.edit("slack");
    metrics.rateLimited("slack");
    metrics.error("timeout");
    metrics.error("timeout");
    metrics.error("store");
    const text = await metrics.render();
    expect(sample(text, "threadpilot_edits_total", '{platform="slack"}')).toBe(2);
    expect(sample(text, "threadpilot_platform_rate_limited_total", '{platform="slack"}')).toBe(1);
    expect(sample(text, "threadpilot_errors_total", '{kind="timeout"}')).toBe(2);
    expect(sample(text, "threadpilot_errors_total", '{kind="store"}')).toBe(1);
  });

  it("keeps separate instances apart (no global registry)", async () => {
    const one = new Metrics();
    const two = new Metrics({ defaultMetrics: true });
    one.edit("slack");
    expect(sample(await one.render(), "threadpilot_edits_total", '{platform="slack"}')).toBe(1);
    expect(sample(await two.render(), "threadpilot_edits_total", '{platform="slack"}')).toBeUndefined();
    expect(await two.render()).toMatch(/^threadpilot_process_cpu_seconds_total/m);
  });
});
