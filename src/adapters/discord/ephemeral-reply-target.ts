/**
 * Sentences only the person who pressed a button sees: follow-ups with Discord's ephemeral flag on the press's
 * interaction (after it was acknowledged). Interaction follow-ups are not bound by the channel's write bucket or
 * the bot-wide limit, so nothing here draws from a budget.
 */
import { MessageFlags, type MessageComponentInteraction } from "discord.js";
import type { EditBudget, MessageRef, ReplyTarget } from "../../reply/target.js";
import { markdownToDiscord } from "./markdown.js";
import { DISCORD_MAX_MESSAGE_LENGTH } from "./reply-target.js";

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
