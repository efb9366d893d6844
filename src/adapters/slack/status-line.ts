/**
 * The assistant status line under a Slack thread (assistant.threads.setStatus): "is working…" with loading
 * messages saying what the bot does. Slack drops it two minutes after it was set unless a message follows
 * ("A two minute timeout applies"), and its rate limit is "special" (no figure given), so it is set only when
 * the status changes or needs renewing. Where Slack refuses it (scope, method, conversation) it goes quiet.
 */
import type { webApi } from "@slack/bolt";
import type { BudgetRate } from "../../reply/budget/budget.js";
import { withBudget, type EditBudget, type StatusLine, type WorkStatus } from "../../reply/target.js";
import type { RefusalMemory } from "./refusal-memory.js";

/**
 * assistant.threads.setStatus: "Special rate limits apply" and no figure is given; taken as Tier 4 ("100+ per
 * minute"), per workspace like every Slack tier. Fifty answers at once otherwise drew 429s on it.
 */
export const STATUS_RATE: BudgetRate = { calls: 100, perMs: 60_000 };

/** Slack: "A two minute timeout applies, which will cause the status to be removed if no message has been sent." */
export const STATUS_LAPSE_MS = 2 * 60_000;

/** What the line says for each status (loading messages rotate under the app's name). */
export function loadingMessages(status: WorkStatus | "reading"): string[] {
  if (status === "reading") return ["Reading the thread…"];
  switch (status.kind) {
    case "tool": {
      const name = status.toolName.trim() || "a tool";
      return [`Running ${name}…`];
    }
    case "retrying":
      return ["Something went wrong; trying again…"];
    default:
      return ["Thinking…"];
  }
}

export interface SlackStatusLineOptions {
  client: Pick<webApi.WebClient, "assistant">;
  team: string;
  channel: string;
  threadTs: string;
  refusals: RefusalMemory;
  /** The workspace's setStatus budget: a change it has no room for is skipped (the next change or renewal sets it). */
  budget?: EditBudget;
}

export class SlackStatusLine implements StatusLine {
  readonly lapseMs = STATUS_LAPSE_MS;
  private quiet = false;

  constructor(private readonly options: SlackStatusLineOptions) {}

  /** Before the answer's runtime starts: the thread is being read. */
  reading(): Promise<void> {
    return this.set("is working…", loadingMessages("reading"));
  }

  show(status: WorkStatus): Promise<void> {
    return this.set("is working…", loadingMessages(status));
  }

  clear(): Promise<void> {
    return this.set("", []);
  }

  private async set(status: string, loading: string[]): Promise<void> {
    const { team, channel, threadTs, refusals } = this.options;
    if (this.quiet || refusals.refused(team, channel)) return;
    const { budget } = this.options;
    // A status line is a courtesy: it never waits for the window, it skips a change when the window is full.
    if (budget?.room && budget.room("final") < 1) return;
    const call = () =>
      this.options.client.assistant.threads.setStatus({
        channel_id: channel,
        thread_ts: threadTs,
        status,
        ...(loading.length > 0 ? { loading_messages: loading } : {}),
      });
    try {
      await (budget ? withBudget(budget, call) : call());
    } catch (error) {
      const coded = error as { code?: string; data?: { error?: string } };
      if (coded?.code === "slack_webapi_rate_limited_error") return; // the next change or renewal sets it again
      const code = coded?.data?.error;
      if (code) refusals.remember(team, channel, code);
      this.quiet = true;
    }
  }
}
