/**
 * The assistant status line under a Slack thread (assistant.threads.setStatus): "is working…" with loading
 * messages saying what the bot does. Slack drops it two minutes after it was set unless a message follows
 * ("A two minute timeout applies"). Every call draws from the workspace's setStatus budget (shared by every
 * answer and every replica, like chat.update's); a status is best-effort, so a line never waits in that budget
 * with more than one status: while one waits, a newer one replaces it (the newest wins), and the clear at the
 * end is simply the last status, sent like the others. Where Slack refuses it (scope, method, conversation) it
 * goes quiet.
 */
import type { webApi } from "@slack/bolt";
import type { BudgetRate } from "../../reply/budget/budget.js";
import type { EditBudget, StatusLine, WorkStatus } from "../../reply/target.js";
import type { RefusalMemory } from "./refusal-memory.js";

/** Slack: "A two minute timeout applies, which will cause the status to be removed if no message has been sent." */
export const STATUS_LAPSE_MS = 2 * 60_000;

/**
 * assistant.threads.setStatus per workspace. Slack's method page says only "Special rate limits apply"
 * (docs.slack.dev/reference/methods/assistant.threads.setStatus), no figure; we take Tier 4's floor, "100+ per
 * minute" (docs.slack.dev/apis/web-api/rate-limits), which is also what the project's fake Slack enforces.
 */
export const STATUS_RATE: BudgetRate = { calls: 100, perMs: 60_000 };

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
  /** The workspace's setStatus budget. */
  budget: EditBudget;
}

interface Status {
  status: string;
  loading: string[];
}

export class SlackStatusLine implements StatusLine {
  readonly lapseMs = STATUS_LAPSE_MS;
  private quiet = false;
  /** The newest status not yet sent; a newer one replaces it while it waits for the budget. */
  private pending: Status | undefined;
  private sending: Promise<void> | undefined;

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

  /** Resolves once every status asked for has been sent (or dropped: a refusal, the line gone quiet). */
  async settled(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /**
   * Queues `status` and returns at once: nothing that shows a status (reading the thread, the answer) waits for
   * the budget. The line sends its newest status whenever the budget grants a call.
   */
  private set(status: string, loading: string[]): Promise<void> {
    const { team, channel, refusals } = this.options;
    if (this.quiet || refusals.refused(team, channel)) return Promise.resolve();
    this.pending = { status, loading };
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
    return Promise.resolve();
  }

  private async drain(): Promise<void> {
    const { budget } = this.options;
    while (this.pending && !this.quiet) {
      const done = await budget.take();
      // Taken only now: whatever was asked for while this line waited, the newest is what goes out.
      const next = this.pending;
      this.pending = undefined;
      try {
        if (next) await this.send(next);
      } finally {
        done?.();
      }
    }
  }

  private async send(next: Status): Promise<void> {
    const { team, channel, threadTs, refusals, budget } = this.options;
    if (refusals.refused(team, channel)) return;
    try {
      await this.options.client.assistant.threads.setStatus({
        channel_id: channel,
        thread_ts: threadTs,
        status: next.status,
        ...(next.loading.length > 0 ? { loading_messages: next.loading } : {}),
      });
    } catch (error) {
      const coded = error as { code?: string; retryAfter?: number; data?: { error?: string } };
      if (coded?.code === "slack_webapi_rate_limited_error") {
        // Another replica (or Slack's own count) got there first: the workspace waits, and this status, unless a
        // newer one came meanwhile, goes out after the pause.
        budget.pause(Math.max(1, coded.retryAfter ?? 1) * 1000);
        this.pending ??= next;
        return;
      }
      const code = coded?.data?.error;
      if (code) refusals.remember(team, channel, code);
      this.quiet = true;
    }
  }
}
