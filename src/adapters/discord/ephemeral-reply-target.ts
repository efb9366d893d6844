/**
 * Sentences only the person who pressed a button sees: follow-ups with Discord's ephemeral flag on the press's
 * interaction (after it was acknowledged). Interaction follow-ups are not bound by the channel's write bucket or
 * the bot-wide limit, so nothing here draws from a budget.
 */
import { MessageFlags, type MessageComponentInteraction } from "discord.js";
import type { EditBudget, MessageRef, ReplyTarget } from "../../reply/target.js";
import { markdownToDiscord } from "./markdown.js";
import { DISCORD_MAX_MESSAGE_LENGTH } from "./reply-target.js";

/**
 * An interaction must be answered even where the refusal sentence is turned off (REFUSAL_SILENT):
 * this is the least it says then, to the refused person only.
 */
export const REFUSED_SILENTLY_SENTENCE = "Sorry, you cannot use this bot here.";

/** Interaction follow-ups have no shared budget to wait for. */
const UNMETERED: EditBudget = { take: async () => undefined, pause: () => undefined };

export class EphemeralReplyTarget implements ReplyTarget {
  readonly maxMessageLength = DISCORD_MAX_MESSAGE_LENGTH;
  readonly budget = UNMETERED;
  readonly postUsesBudget = false;

  constructor(private readonly interaction: MessageComponentInteraction) {}

  render(markdown: string): string {
    return markdownToDiscord(markdown);
  }

  async post(text: string): Promise<MessageRef> {
    const sent = await this.interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    return { id: sent.id };
  }

  async edit(ref: MessageRef, text: string): Promise<void> {
    await this.interaction.webhook.editMessage(ref.id, { content: text, allowedMentions: { parse: [] } });
  }
}
