/**
 * Where a streamed answer appears on Discord: the first message replies to the answered one (or opens the
 * answer in a thread), continuations follow in the same channel, every create and edit draws from the
 * channel's budget (Discord allows about 5 per 5 s per channel, creates and edits together).
 */
import {
  DiscordAPIError,
  HTTPError,
  MessageFlags,
  RateLimitError,
  type Client,
  type Message,
  type SendableChannels,
} from "discord.js";
import type { BudgetRate } from "../../reply/budget/budget.js";
import { NestedBudget } from "../../reply/budget/nested-budget.js";
import {
  RateLimitedError,
  TransientPlatformError,
  type CallDone,
  type EditBudget,
  type MessageControls,
  type MessageRef,
  type ReplyTarget,
  type UploadedFile,
} from "../../reply/target.js";
import { networkFailure } from "../../startup/network-failure.js";
import { clearStaleStops, type AnswerButtons } from "./answer-controls.js";
import type { QueuedDiscordMessage } from "./conversation.js";
import { DISCORD_MAX_UPLOAD_BYTES, sendFile } from "./file-upload.js";
import { markdownToDiscord } from "./markdown.js";

/** Discord's content limit for bots. */
export const DISCORD_MAX_MESSAGE_LENGTH = 2000;

/**
 * Creating and editing messages in one channel: Discord's bucket is 5 per 5 s. The window is a little longer so
 * that network latency never brings a sixth call inside Discord's window (discord.js would then hold it back).
 */
export const DISCORD_CHANNEL_RATE: BudgetRate = { calls: 5, perMs: 5_250 };

/**
 * What the answers' writes and typing calls take of Discord's 50 requests per second per bot: the client lets 45
 * through (connection.ts), and the rest of those is left to history reads and reactions, which queue in discord.js.
 */
export const DISCORD_BOT_RATE: BudgetRate = { calls: 40, perMs: 1_000 };

export interface DiscordReplyTargetOptions {
  /** The channel (or thread, or DM) the answer goes to. */
  channel: SendableChannels;
  /** The first message replies to this one; absent when the answer opens a thread of its own. */
  replyTo?: Message;
  budget: EditBudget;
  maxMessageLength?: number;
  /** Told the id of every message the answer posts (so a stop reaction on it can be traced to its conversation). */
  onPosted?: (messageId: string) => Promise<void>;
  /**
   * The bot-wide budget (Discord's global limit): a typing call draws from it, and a 429 that Discord (or
   * discord.js's own global queue) says is global pauses it for every channel.
   */
  botBudget?: EditBudget;
  /** How often typing is renewed while nothing new shows (default 8 s; tests shorten it). */
  typingRenewMs?: number;
  /** The answer's Stop and 👍 / 👎 buttons (an answer's target; a refusal's or a notice's has none). */
  buttons?: AnswerButtons;
  /** Edits take the buttons off (an interrupted reply reopened after a restart: its Stop no longer applies). */
  clearButtonsOnEdit?: boolean;
}

/** Discord shows "is typing" for about 10 s per call: renew a little before it lapses. */
export const DISCORD_TYPING_RENEW_MS = 8_000;

/** The longest a typing call waits for a grant of the bot budget before it is skipped (see `typing`). */
export const TYPING_GRANT_WAIT_MS = 250;

// Links in an answer would each unfurl into an embed: the answer stays text. Mentions never ping (a model can
// write "@everyone" too).
export const SEND_DEFAULTS = { flags: MessageFlags.SuppressEmbeds, allowedMentions: { parse: [], repliedUser: false } } as const;

export class DiscordReplyTarget implements ReplyTarget {
  readonly maxMessageLength: number;
  readonly budget: EditBudget;
  readonly postUsesBudget = true;
  readonly typingRenewMs: number;
  readonly maxUploadBytes = DISCORD_MAX_UPLOAD_BYTES;
  /** The streamer says which buttons each message shows (answer-controls.ts draws them). */
  readonly controls: boolean;
  private readonly channel: SendableChannels;
  private replyTo: Message | undefined;
  private readonly onPosted: ((messageId: string) => Promise<void>) | undefined;
  private readonly botBudget: EditBudget | undefined;
  private readonly buttons: AnswerButtons | undefined;
  private readonly clearButtonsOnEdit: boolean;

  constructor(options: DiscordReplyTargetOptions) {
    // A channel budget nested in the bot's (discord-adapter.ts) carries the bot budget with it.
    this.typingRenewMs = options.typingRenewMs ?? DISCORD_TYPING_RENEW_MS;
    this.botBudget = options.botBudget ?? (options.budget instanceof NestedBudget ? options.budget.outer : undefined);
    this.channel = options.channel;
    this.replyTo = options.replyTo;
    this.onPosted = options.onPosted;
    this.budget = options.budget;
    this.maxMessageLength = Math.min(options.maxMessageLength ?? DISCORD_MAX_MESSAGE_LENGTH, DISCORD_MAX_MESSAGE_LENGTH);
    this.buttons = options.buttons;
    this.controls = options.buttons !== undefined;
    this.clearButtonsOnEdit = options.clearButtonsOnEdit ?? false;
  }

  render(markdown: string): string {
    return markdownToDiscord(markdown);
  }

  async post(text: string, controls?: MessageControls): Promise<MessageRef> {
    const replyTo = this.replyTo;
    const components = this.buttons?.forPost(controls);
    const body = { ...SEND_DEFAULTS, content: text, ...(components ? { components } : {}) };
    const sent = await this.call<{ id: string }>(() =>
      replyTo ? replyTo.reply({ ...body, failIfNotExists: false }) : this.channel.send(body),
    );
    // Only the first message is a reply; continuations simply follow it.
    this.replyTo = undefined;
    this.buttons?.shows(sent.id, controls ?? "none");
    // Remembering the message must not lose the answer: a failure only means no stop reaction on it.
    await this.onPosted?.(sent.id).catch(() => undefined);
    return { id: sent.id };
  }

  async edit(ref: MessageRef, text: string, controls?: MessageControls): Promise<void> {
    // Without `components` Discord keeps the message's buttons: streaming edits cost nothing extra for Stop.
    const components = this.clearButtonsOnEdit ? [] : this.buttons?.forEdit(ref.id, controls);
    await this.call(() =>
      this.channel.messages.edit(ref.id, { content: text, allowedMentions: SEND_DEFAULTS.allowedMentions, ...(components ? { components } : {}) }),
    );
    this.buttons?.shows(ref.id, controls);
  }

  async delete(ref: MessageRef): Promise<void> {
    await this.call(() => this.channel.messages.delete(ref.id));
    this.buttons?.removed(ref.id);
  }

  /** The answer is over: a Stop its final call did not take away (delivery gave up) goes now. */
  async answerEnded(): Promise<void> {
    await clearStaleStops(this.buttons, this.budget, (id, rows) => this.call(() => this.channel.messages.edit(id, { components: rows })));
  }

  /** A long code block's file, as a message after the answer (file-upload.ts). */
  async uploadFile(file: UploadedFile): Promise<void> {
    await this.call(() => sendFile(this.channel, file));
  }

  async typing(): Promise<void> {
    const send = () => this.call(() => this.channel.sendTyping());
    await (this.botBudget ? typingOnSpareBudget(this.botBudget, send) : send());
  }

  /**
   * Runs a Discord call, turning "rate limited" into RateLimitedError (a global one also pauses the bot budget),
   * and Discord's passing trouble (a 5xx, no answer at all: a network error or discord.js's request timeout) into
   * TransientPlatformError, so the streamer tries again. Other refusals stay as they are.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const limited = rateLimitOf(error);
      if (limited) {
        if (limited.global) this.botBudget?.pause(limited.retryAfterMs);
        throw new RateLimitedError(limited.retryAfterMs);
      }
      const passing = passingTrouble(error);
      if (passing) throw new TransientPlatformError(`Discord ${passing}.`, { cause: error });
      throw error;
    }
  }
}

/**
 * Typing is a nicety: it takes a grant of the bot budget only when one is free (or nearly), never queueing behind
 * the answers' edits. With 200 channels, renewals every 8 s would otherwise take 25 of the bot's 40 calls a second
 * while the first words wait (bench:e2e at 200: edits waited 7 to 12 s for a grant in the first minute); a
 * renewal skipped now is tried again at the next one.
 * "Free" means room beyond every call already waiting, within the share streaming edits may use: the budget
 * holds a waiting placeholder or first words back once the window holds its calls minus the running answers'
 * finals, and a typing call taken as a one-off (a final) went past them into that reserve. At 200 conversations
 * typing so took 20 to 40 calls a second for seconds on end while the placeholders waited (placeholder p50 20 s).
 */
export async function typingOnSpareBudget(botBudget: EditBudget, send: () => Promise<void>): Promise<void> {
  if (botBudget.room && botBudget.room("stream") <= 0) return;
  let done: CallDone | void;
  try {
    // As first words: never ahead of a waiting placeholder, never into the finals' reserve.
    done = await botBudget.take(AbortSignal.timeout(TYPING_GRANT_WAIT_MS), { kind: "first" });
  } catch {
    return;
  }
  try {
    await send();
  } finally {
    done?.();
  }
}

/** discord.js's RateLimitError (it refused to queue), or a 429 it let through: how long, and whether bot-wide. */
export function rateLimitOf(error: unknown): { retryAfterMs: number; global: boolean } | undefined {
  if (error instanceof RateLimitError) {
    return { retryAfterMs: Math.max(1, error.retryAfter > 0 ? error.retryAfter : error.timeToReset), global: error.global };
  }
  if (error instanceof DiscordAPIError && error.status === 429) {
    const raw = error.rawError as { retry_after?: number; global?: boolean };
    const retryAfter = Number(raw.retry_after);
    return { retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000, global: raw.global === true };
  }
  return undefined;
}

/** What went wrong when it is Discord's passing trouble, in a few words; otherwise undefined. */
function passingTrouble(error: unknown): string | undefined {
  if ((error instanceof HTTPError || error instanceof DiscordAPIError) && error.status >= 500) {
    return `answered HTTP ${error.status}`;
  }
  // discord.js aborts a request that takes longer than its REST timeout.
  if ((error as { name?: unknown })?.name === "AbortError") return "did not answer in time";
  const network = networkFailure(error);
  return network === undefined ? undefined : `could not be reached: ${network}`;
}

/**
 * The channel an earlier answer to `item` posted `messageIds` in, for reopening its reply after a restart: the
 * message's channel, or the thread opened on the message (DISCORD_OPEN_THREAD; a thread on a message takes its id),
 * whichever holds the answer's first message.
 */
export async function replyChannelOf(client: Client, item: QueuedDiscordMessage, messageIds: readonly string[]): Promise<SendableChannels> {
  const candidates = item.openThread ? [item.messageId, item.channelId] : [item.channelId];
  let fallback: SendableChannels | undefined;
  for (const id of candidates) {
    const channel = await client.channels.fetch(id).catch(() => null);
    if (!channel?.isSendable()) continue;
    fallback ??= channel;
    const first = messageIds[0];
    if (first === undefined || candidates.length === 1) return channel;
    if (await channel.messages.fetch({ message: first, cache: false }).then(() => true, () => false)) return channel;
  }
  if (fallback) return fallback;
  throw new Error("The channel of the interrupted answer cannot be written to.");
}
