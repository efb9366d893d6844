/**
 * The Slack adapter's store keys, in one place: a thread is `slack:<team>:<channel>:<thread ts>`; a message is
 * answered once (`handled`); a thread the bot answered in is followed; each reply of the bot remembers its thread
 * (a stop reaction names only the message), with the thread's own parts so nothing is parsed back out of a key.
 */
export const storeKeys = {
  thread: (team: string, channel: string, threadTs: string) => `slack:${team}:${channel}:${threadTs}`,
  handled: (team: string, channel: string, ts: string) => `slack:handled:${team}:${channel}:${ts}`,
  followed: (team: string, channel: string, threadTs: string) => `slack:followed:${team}:${channel}:${threadTs}`,
  /** Channel ids are unique, so no team is needed. */
  botReply: (channel: string, ts: string) => `slack:reply:${channel}:${ts}`,
  /** An assistant-panel thread, until its first question has given it a title. */
  assistantThread: (channel: string, threadTs: string) => `slack:assistant:${channel}:${threadTs}`,
  /** One person's 👍/👎 on one answer message. */
  feedback: (channel: string, ts: string, user: string) => `slack:feedback:${channel}:${ts}:${user}`,
  /** A channel's chosen model (`/copilot model`), kept until changed. */
  modelChoice: (team: string, channel: string) => `slack:model:${team}:${channel}`,
  /** A channel's own instructions (`/copilot instructions`), kept until cleared. */
  instructions: (team: string, channel: string) => `slack:instructions:${team}:${channel}`,
};

/** Where an answer in a channel reads its model and instructions (Slack's slash commands know no thread). */
export function slackSettingsKeys(team: string, channel: string): { model: string[]; instructions: string[] } {
  return { model: [storeKeys.modelChoice(team, channel)], instructions: [storeKeys.instructions(team, channel)] };
}

/** What `botReply` holds: the thread a reply of the bot belongs to. */
export interface RepliedThread {
  threadKey: string;
  team: string;
  channel: string;
  threadTs: string;
}

/** Values come back from the store; an older version wrote the thread key alone. */
export function asRepliedThread(value: unknown): RepliedThread | undefined {
  if (typeof value === "string") {
    const [, team, channel, threadTs] = value.split(":");
    return team && channel && threadTs ? { threadKey: value, team, channel, threadTs } : undefined;
  }
  const v = value as Partial<RepliedThread> | null | undefined;
  if (v && typeof v.threadKey === "string" && typeof v.team === "string" && typeof v.channel === "string" && typeof v.threadTs === "string") {
    return v as RepliedThread;
  }
  return undefined;
}
