/**
 * /ask replies this process deferred ("is thinking…") whose answer has not shown yet. A deferred reply nobody
 * edits stays thinking until its token runs out, so when the adapter stops, every one of them still thinking
 * is told why (an answer queued for the next start replaces the sentence; one the stopping intake turned away
 * never comes, hence "if no answer follows").
 */
import { MessageFlags, type ChatInputCommandInteraction } from "discord.js";
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";
import { INTERACTION_REPLY_WINDOW_MS } from "./interaction-reply-target.js";
import { markdownToDiscord } from "./markdown.js";

export const ASK_INTERRUPTED_NOTE = "_(Interrupted: the bot is restarting. If no answer follows once it is back, please ask again.)_";

export class DeferredAsks {
  private readonly thinking = new Map<string, ChatInputCommandInteraction>();

  constructor(private readonly replyWindowMs = INTERACTION_REPLY_WINDOW_MS) {}

  deferred(interaction: ChatInputCommandInteraction): void {
    const now = Date.now();
    for (const [id, old] of this.thinking) if (now - old.createdTimestamp >= this.replyWindowMs) this.thinking.delete(id);
    this.thinking.set(interaction.id, interaction);
  }

  /** The reply shows something now (the answer's first words, a refusal). */
  shown(interactionId: string): void {
    this.thinking.delete(interactionId);
  }

  /** At shutdown: each reply still thinking (another replica may have answered it meanwhile) says why it stopped. */
  async settle(log: Logger): Promise<void> {
    const waiting = [...this.thinking.values()].filter((i) => Date.now() - i.createdTimestamp < this.replyWindowMs);
    this.thinking.clear();
    await Promise.all(
      waiting.map(async (interaction) => {
        try {
          const reply = await interaction.fetchReply();
          if (!reply.flags.has(MessageFlags.Loading)) return;
          await interaction.editReply({ content: markdownToDiscord(ASK_INTERRUPTED_NOTE), allowedMentions: { parse: [] } });
          log.info({ interaction: interaction.id }, "A deferred /ask left unanswered by the shutdown was told so");
        } catch (error) {
          log.warn({ err: describeError(error), interaction: interaction.id }, "Could not settle a deferred /ask at shutdown");
        }
      }),
    );
  }
}
