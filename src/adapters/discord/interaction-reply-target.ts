/**
 * Where a /ask answer appears: the interaction's own reply (deferred at once, then edited at @original through
 * the interaction's webhook), continued as plain channel messages when the answer outgrows one message. The
 * interaction token lasts 15 minutes; some time before that, the reply's text moves into a channel message
 * and the reply keeps only a pointer to it, so a long-running answer never loses its first message's edits.
 */
import { Routes, type Client, type SendableChannels } from "discord.js";
import { RateLimitedError, type EditBudget, type MessageControls, type MessageRef, type ReplyTarget, type UploadedFile } from "../../reply/target.js";
import { NestedBudget } from "../../reply/budget/nested-budget.js";
import type { ButtonRow } from "./answer-buttons.js";
import { clearStaleStops, type AnswerButtons } from "./answer-controls.js";
import { DISCORD_MAX_UPLOAD_BYTES, sendFile } from "./file-upload.js";
import { markdownToDiscord } from "./markdown.js";
import { DISCORD_MAX_MESSAGE_LENGTH, DISCORD_TYPING_RENEW_MS, SEND_DEFAULTS, rateLimitOf, typingOnSpareBudget } from "./reply-target.js";

/** Discord's interaction tokens last 15 minutes; the reply is used for 14, leaving the move a minute to spare. */
export const INTERACTION_REPLY_WINDOW_MS = 14 * 60_000;
/** What the interaction's reply says once its text has moved into the channel. */
export const MOVED_NOTE = "*(The answer continues below.)*";
/** Discord's "Invalid Webhook Token": the interaction token has expired. */
const INVALID_WEBHOOK_TOKEN = 50027;

export interface InteractionReplyTargetOptions {
  client: Client;
  applicationId: string;
  /** The interaction's token: a credential for 15 minutes, never logged. */
  token: string;
  /** When the interaction was created (epoch ms): the token's lifetime counts from then. */
  createdAt: number;
  channel: SendableChannels;
  budget: EditBudget;
  /** How long the interaction's reply is edited before the text moves (default 14 minutes). */
  replyWindowMs?: number;
  typingRenewMs?: number;
  now?: () => number;
  onPosted?: (messageId: string) => Promise<void>;
  /** The answer's Stop and 👍 / 👎 buttons (an answer's target; a refusal's has none). */
  buttons?: AnswerButtons;
}

export class InteractionReplyTarget implements ReplyTarget {
  readonly maxMessageLength = DISCORD_MAX_MESSAGE_LENGTH;
  readonly budget: EditBudget;
  readonly postUsesBudget = true;
  readonly typingRenewMs: number;
  readonly maxUploadBytes = DISCORD_MAX_UPLOAD_BYTES;
  /** The streamer says which buttons each message shows (answer-controls.ts draws them). */
  readonly controls: boolean;
  private readonly botBudget: EditBudget | undefined;
  private readonly now: () => number;
  private readonly replyWindowMs: number;
  /** The interaction's reply, once the answer's first post has filled it. */
  private originalId: string | undefined;
  /** The channel message the reply's text moved to, once it did. */
  private movedTo: string | undefined;

  constructor(private readonly options: InteractionReplyTargetOptions) {
    this.budget = options.budget;
    this.controls = options.buttons !== undefined;
    this.botBudget = options.budget instanceof NestedBudget ? options.budget.outer : undefined;
    this.typingRenewMs = options.typingRenewMs ?? DISCORD_TYPING_RENEW_MS;
    this.now = options.now ?? Date.now;
    this.replyWindowMs = options.replyWindowMs ?? INTERACTION_REPLY_WINDOW_MS;
  }

  render(markdown: string): string {
    return markdownToDiscord(markdown);
  }

  async post(text: string, controls?: MessageControls): Promise<MessageRef> {
    const components = this.options.buttons?.forPost(controls);
    let id: string;
    if (this.originalId === undefined && this.tokenUsable()) {
      id = (await this.call(() => this.editOriginal(text, components))).id;
      this.originalId = id;
      await this.options.onPosted?.(id).catch(() => undefined);
    } else {
      id = await this.postInChannel(text, components);
    }
    this.options.buttons?.shows(id, controls ?? "none");
    return { id };
  }

  async edit(ref: MessageRef, text: string, controls?: MessageControls): Promise<void> {
    // Without `components` Discord keeps the message's buttons: they are sent only when they change.
    const components = this.options.buttons?.forEdit(ref.id, controls);
    await this.editText(ref, text, components);
    this.options.buttons?.shows(ref.id, controls);
  }

  /** `ref` as the answer knows it; the interaction's reply is reached through its token until its text moved. */
  private async editText(ref: MessageRef, text: string, components: ButtonRow[] | undefined): Promise<void> {
    const body = { content: text, allowedMentions: SEND_DEFAULTS.allowedMentions, ...(components ? { components } : {}) };
    if (ref.id !== this.originalId) {
      await this.call(() => this.options.channel.messages.edit(ref.id, body));
      return;
    }
    if (this.movedTo === undefined && this.tokenUsable()) {
      try {
        await this.call(() => this.editOriginal(text, components));
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== INVALID_WEBHOOK_TOKEN) throw error;
      }
    }
    await this.editMoved(text, components);
  }

  async delete(ref: MessageRef): Promise<void> {
    if (ref.id === this.originalId && this.movedTo === undefined) {
      await this.call(() => this.options.client.rest.delete(Routes.webhookMessage(this.options.applicationId, this.options.token, "@original"), { auth: false }));
      return;
    }
    await this.call(() => this.options.channel.messages.delete(ref.id === this.originalId ? this.movedTo! : ref.id));
    this.options.buttons?.removed(ref.id);
  }

  /** The answer is over: a Stop its final call did not take away (delivery gave up) goes now. */
  async answerEnded(): Promise<void> {
    await clearStaleStops(this.options.buttons, this.budget, (id, rows) =>
      this.call(() =>
        id === this.originalId && this.movedTo === undefined
          ? this.patchOriginal({ components: rows })
          : this.options.channel.messages.edit(id === this.originalId ? this.movedTo! : id, { components: rows }),
      ),
    );
  }

  /**
   * A long code block's file, as a channel message after the answer, like a continuation: an interaction's
   * follow-up would carry it too, but only while the 15-minute token lasts, and an answer may outlive it.
   */
  async uploadFile(file: UploadedFile): Promise<void> {
    await this.call(() => sendFile(this.options.channel, file));
  }

  async typing(): Promise<void> {
    const send = () => this.call(() => this.options.channel.sendTyping());
    await (this.botBudget ? typingOnSpareBudget(this.botBudget, send) : send());
  }

  private tokenUsable(): boolean {
    return this.now() - this.options.createdAt < this.replyWindowMs;
  }

  /**
   * The reply's text goes on in a channel message; the reply itself points there (if its token still works).
   * `components`: what this edit changes the buttons to (undefined: as they are).
   */
  private async editMoved(text: string, components: ButtonRow[] | undefined): Promise<void> {
    if (this.movedTo !== undefined) {
      const id = this.movedTo;
      const body = { content: text, allowedMentions: SEND_DEFAULTS.allowedMentions, ...(components ? { components } : {}) };
      await this.call(() => this.options.channel.messages.edit(id, body));
      return;
    }
    // The moved text takes the reply's buttons along; the reply keeps only the pointer.
    const buttons = this.options.buttons;
    const rows = components ?? (buttons && this.originalId !== undefined ? buttons.forPost(buttons.showing(this.originalId)) : undefined);
    this.movedTo = await this.postInChannel(text, rows);
    const hadButtons = buttons !== undefined && this.originalId !== undefined && buttons.showing(this.originalId) !== "none";
    await this.editOriginal(this.render(MOVED_NOTE), hadButtons ? [] : undefined).catch(() => undefined);
  }

  private async postInChannel(text: string, components?: ButtonRow[]): Promise<string> {
    const sent = await this.call<{ id: string }>(() =>
      this.options.channel.send({ ...SEND_DEFAULTS, content: text, ...(components ? { components } : {}) }),
    );
    await this.options.onPosted?.(sent.id).catch(() => undefined);
    return sent.id;
  }

  /** Without `components` the reply keeps the buttons it has (Discord's edit semantics). */
  private async editOriginal(text: string, components?: ButtonRow[]): Promise<{ id: string }> {
    return this.patchOriginal({
      content: text,
      allowed_mentions: { parse: [] },
      flags: SEND_DEFAULTS.flags,
      ...(components ? { components } : {}),
    });
  }

  private async patchOriginal(body: Record<string, unknown>): Promise<{ id: string }> {
    const route = Routes.webhookMessage(this.options.applicationId, this.options.token, "@original");
    return (await this.options.client.rest.patch(route, { body, auth: false })) as { id: string };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const limited = rateLimitOf(error);
      if (!limited) throw error;
      if (limited.global) this.botBudget?.pause(limited.retryAfterMs);
      throw new RateLimitedError(limited.retryAfterMs);
    }
  }
}
