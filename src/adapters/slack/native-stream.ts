/**
 * Slack's native AI streaming (chat.startStream / appendStream / stopStream) as the reply streamer's
 * NativeStreaming capability: a thread reply that grows by appended Markdown, addressed to the person who asked
 * (Slack requires the recipient's user and team ids outside DMs). Each method draws from its own per-workspace
 * budget; Slack's refusals become NativeStreamRefusedError (the answer then edits instead) and are remembered,
 * so the next answers in that workspace or conversation do not ask again for a while.
 */
import type { webApi } from "@slack/bolt";
import type { BudgetRate } from "../../reply/budget/budget.js";
import {
  NativeStreamRefusedError,
  StreamClosedError,
  type AppendOnlyStream,
  type EditBudget,
  type NativeStreaming,
} from "../../reply/target.js";
import type { RefusalMemory } from "./refusal-memory.js";
import { toReplyError } from "./reply-errors.js";

type WebClient = webApi.WebClient;

/** Slack's tiers are per method per workspace; Tier 2 is "20+ per minute", Tier 4 "100+ per minute". */
export const NATIVE_STREAM_RATES: { start: BudgetRate; append: BudgetRate; stop: BudgetRate } = {
  // docs.slack.dev/reference/methods/chat.startStream states no tier in the copies we could read; taken as
  // Tier 2, like chat.stopStream (one of each per answer), which can only be too cautious.
  start: { calls: 20, perMs: 60_000 },
  // docs.slack.dev/reference/methods/chat.appendStream: "Tier 4: 100+ per minute".
  append: { calls: 100, perMs: 60_000 },
  // api.slack.com/methods/chat.stopStream: "Rate limits: Tier 2".
  stop: { calls: 20, perMs: 60_000 },
};

/** Each call's markdown_text: "Limit this field to 12,000 characters" (every streaming method's page). */
export const MAX_STREAM_CHUNK = 12_000;

/** Slack closes a streamed message about 5 minutes after it started (`message_not_in_streaming_state`). */
export const STREAM_LIFETIME_MS = 5 * 60_000;

export interface SlackNativeStreamOptions {
  client: Pick<WebClient, "chat">;
  team: string;
  channel: string;
  threadTs: string;
  /** The person the answer is for; Slack needs them (and their team) outside DMs. */
  recipientUserId: string;
  budgets: { start: EditBudget; append: EditBudget; stop: EditBudget };
  refusals: RefusalMemory;
  lifetimeMs?: number;
  /** Told the ts of every stream started (the adapter remembers its replies, as for posts). */
  onStarted?: (ts: string) => Promise<void>;
  /** Blocks the answer's last message ends with (feedback buttons), given at the final stop. */
  finalBlocks?: () => Array<Record<string, unknown>> | undefined;
  /** The answer's Stop button (stop-control-message.ts): shown once a stream started, gone when the answer ends. */
  stopControl?: { show(): Promise<string | undefined>; remove(): Promise<void> };
}

export class SlackNativeStreaming implements NativeStreaming {
  readonly startBudget: EditBudget;
  readonly appendBudget: EditBudget;
  readonly stopBudget: EditBudget;
  readonly maxChunkChars = MAX_STREAM_CHUNK;
  readonly lifetimeMs: number;

  constructor(private readonly options: SlackNativeStreamOptions) {
    this.startBudget = options.budgets.start;
    this.appendBudget = options.budgets.append;
    this.stopBudget = options.budgets.stop;
    this.lifetimeMs = options.lifetimeMs ?? STREAM_LIFETIME_MS;
  }

  async start(markdown: string): Promise<AppendOnlyStream> {
    const { client, team, channel, threadTs, recipientUserId } = this.options;
    if (this.options.refusals.refused(team, channel))
      throw new NativeStreamRefusedError("Slack refused native streaming here lately.");
    let ts: string | undefined;
    try {
      const response = await client.chat.startStream({
        channel,
        thread_ts: threadTs,
        recipient_user_id: recipientUserId,
        recipient_team_id: team,
        ...(markdown ? { markdown_text: markdown } : {}),
      });
      ts = response.ts;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code && code !== "ratelimited") {
        this.options.refusals.remember(team, channel, code);
        throw new NativeStreamRefusedError(`Slack refused chat.startStream: ${code}.`, { cause: error });
      }
      throw toReplyError(error, "chat.startStream");
    }
    if (!ts) throw new NativeStreamRefusedError("Slack started a stream but returned no ts.");
    await this.options.onStarted?.(ts).catch(() => undefined);
    const control = await this.options.stopControl?.show();
    const stream = new SlackAppendOnlyStream(client, channel, ts, this.options.finalBlocks, this.options.stopControl);
    if (control) stream.companions = [{ id: control }];
    return stream;
  }
}

class SlackAppendOnlyStream implements AppendOnlyStream {
  readonly ref: { id: string };
  companions?: Array<{ id: string }>;

  constructor(
    private readonly client: Pick<WebClient, "chat">,
    private readonly channel: string,
    ts: string,
    private readonly finalBlocks: SlackNativeStreamOptions["finalBlocks"],
    private readonly stopControl: SlackNativeStreamOptions["stopControl"],
  ) {
    this.ref = { id: ts };
  }

  async append(markdown: string): Promise<void> {
    try {
      await this.client.chat.appendStream({ channel: this.channel, ts: this.ref.id, markdown_text: markdown });
    } catch (error) {
      throw streamError(error, "chat.appendStream");
    }
  }

  async stop(markdown: string, finished: boolean): Promise<void> {
    const blocks = finished ? this.finalBlocks?.() : undefined;
    try {
      await this.client.chat.stopStream({
        channel: this.channel,
        ts: this.ref.id,
        ...(markdown ? { markdown_text: markdown } : {}),
        ...(blocks?.length ? { blocks } : {}),
      } as Parameters<WebClient["chat"]["stopStream"]>[0]);
    } catch (error) {
      throw streamError(error, "chat.stopStream");
    }
    if (finished) await this.stopControl?.remove();
  }
}

function slackErrorCode(error: unknown): string | undefined {
  const coded = error as { code?: string; data?: { error?: string } };
  if (coded?.code === "slack_webapi_rate_limited_error") return "ratelimited";
  return coded?.code === "slack_webapi_platform_error" ? coded.data?.error : undefined;
}

function streamError(error: unknown, method: string): Error {
  if (slackErrorCode(error) === "message_not_in_streaming_state") {
    return new StreamClosedError(`Slack closed the stream (${method}).`, { cause: error });
  }
  return toReplyError(error, method);
}
