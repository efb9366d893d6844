/**
 * Remembers where Slack refused an optional method (native streaming, the status line) so the next answers do
 * not ask again for a while: a missing scope or an unknown method holds for the workspace, a "not here" for the
 * conversation. After a while it is tried again (a scope may have been granted meanwhile).
 */
/** Refusals that hold for the whole workspace (the app lacks the scope or Slack lacks the method). */
const WORKSPACE_REFUSALS = new Set([
  "missing_scope",
  "unknown_method",
  "not_allowed_token_type",
  "method_deprecated",
  "no_permission",
]);
/** Refusals for this conversation only. */
const CONVERSATION_REFUSALS = new Set([
  "not_allowed",
  "channel_type_not_supported",
  "restricted_action",
  "invalid_arguments",
  "not_in_channel",
]);
/** How long a refusal is believed before native streaming is tried again (a scope may be granted meanwhile). */
const REFUSAL_MEMORY_MS = 10 * 60_000;

/** Where Slack refused a method lately, by workspace and by conversation. */
export class RefusalMemory {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  refused(team: string, channel: string): boolean {
    return [team, `${team}:${channel}`].some((key) => (this.until.get(key) ?? 0) > this.now());
  }

  remember(team: string, channel: string, error: string): void {
    if (WORKSPACE_REFUSALS.has(error)) this.until.set(team, this.now() + REFUSAL_MEMORY_MS);
    else if (CONVERSATION_REFUSALS.has(error)) this.until.set(`${team}:${channel}`, this.now() + REFUSAL_MEMORY_MS);
  }
}

