/** The system prompt of one answer: the bot's own, then the channel's instructions when it has any. */
export function withChannelInstructions(systemMessage: string, instructions: string | undefined): string {
  const own = instructions?.trim();
  if (!own) return systemMessage;
  // Labelled as the channel's, so the model weighs them as a team's preferences, below the bot's own rules.
  return `${systemMessage}\n\n<channel_instructions>\nThe people of this channel asked for the following in every answer here:\n${own}\n</channel_instructions>`;
}
