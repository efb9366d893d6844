/**
 * Where a streamed answer appears in the web chat: a message of the conversation, kept in the store and pushed to
 * the owner's open pages. Every post and edit draws from the conversation's display budget: there is no platform
 * limit here, but a page gains nothing from more updates than it can show (about ten a second), and the same
 * streamer paces to it as it paces to Slack's or Discord's limits.
 */
import type { BudgetRate } from "../../reply/budget/budget.js";
import type { EditBudget, MessageRef, ReplyTarget } from "../../reply/target.js";
import type { ConversationStore } from "./conversation-store.js";
import type { LiveUpdates } from "./live-updates.js";
import { markdownForPage } from "./markdown.js";

/** What one browser page shows of one conversation at most: ten updates a second. */
export const WEB_DISPLAY_RATE: BudgetRate = { calls: 10, perMs: 1_000 };

/**
 * A page has no length limit, but each update sends the whole message: past this many characters the answer
 * continues in a new message, so one update stays small however long the answer grows.
 */
export const WEB_MAX_MESSAGE_LENGTH = 20_000;

export interface WebReplyTargetOptions {
  conversations: ConversationStore;
  live: LiveUpdates;
  conversationId: string;
  /** The user whose pages see the conversation. */
  owner: string;
  budget: EditBudget;
  maxMessageLength?: number;
}

export class WebReplyTarget implements ReplyTarget {
  readonly maxMessageLength: number;
  readonly budget: EditBudget;
  readonly postUsesBudget = true;

  constructor(private readonly options: WebReplyTargetOptions) {
    this.budget = options.budget;
    this.maxMessageLength = options.maxMessageLength ?? WEB_MAX_MESSAGE_LENGTH;
  }

  render(markdown: string): string {
    return markdownForPage(markdown);
  }

  async post(text: string): Promise<MessageRef> {
    const { conversations, live, conversationId, owner } = this.options;
    const message = await conversations.appendBotMessage(conversationId, text);
    live.publish(owner, { type: "message", conversationId, message });
    return { id: message.id };
  }

  async edit(ref: MessageRef, text: string): Promise<void> {
    const { conversations, live, conversationId, owner } = this.options;
    const message = await conversations.editBotMessage(conversationId, ref.id, text);
    live.publish(owner, { type: "message", conversationId, message });
  }

  async delete(ref: MessageRef): Promise<void> {
    const { conversations, live, conversationId, owner } = this.options;
    await conversations.deleteMessage(conversationId, ref.id);
    live.publish(owner, { type: "deleted", conversationId, messageId: ref.id });
  }
}
