/**
 * Who may use the bot, where. Every list is optional and empty means "no restriction". Checked before anything
 * else, so a refused request costs no model call.
 *
 * Rules: the place must pass every configured place list (Slack channels; Discord guilds and channels), and the
 * person must pass the identity lists: with both Discord users and roles configured, being a listed user OR
 * holding a listed role is enough.
 */

export interface AccessPolicy {
  slack?: { channels?: readonly string[]; users?: readonly string[] };
  discord?: {
    guilds?: readonly string[];
    channels?: readonly string[];
    roles?: readonly string[];
    users?: readonly string[];
  };
  /** The sentence a refused user sees; empty string silences it. Default: DEFAULT_REFUSAL_REPLY. */
  refusalReply?: string;
}

export interface AccessRequest {
  platform: "slack" | "discord" | "web";
  userId: string;
  channelId: string;
  /** A Discord thread's parent channel: allow-listing a channel also allows its threads. */
  parentChannelId?: string;
  /** Discord only; absent in DMs. */
  guildId?: string;
  /** Discord only: the member's role ids. */
  roleIds?: readonly string[];
}

export type AccessRefusalReason = "guild" | "channel" | "user" | "role";

export type AccessDecision =
  | { allowed: true }
  /** `reply` is undefined when refusals are silenced; `reason` is for logs. */
  | { allowed: false; reason: AccessRefusalReason; reply: string | undefined };

export const DEFAULT_REFUSAL_REPLY =
  "Sorry, I'm not enabled for you here. Ask an administrator if you need access.";

const configured = (list: readonly string[] | undefined): list is readonly string[] =>
  list !== undefined && list.length > 0;

export function checkAccess(policy: AccessPolicy, request: AccessRequest): AccessDecision {
  const reason = refusalReason(policy, request);
  if (!reason) return { allowed: true };
  const reply = policy.refusalReply ?? DEFAULT_REFUSAL_REPLY;
  return { allowed: false, reason, reply: reply.trim() ? reply : undefined };
}

function refusalReason(policy: AccessPolicy, request: AccessRequest): AccessRefusalReason | undefined {
  const inChannels = (list: readonly string[]) =>
    list.includes(request.channelId) || (request.parentChannelId !== undefined && list.includes(request.parentChannelId));

  // The web chat has no allow-lists: who reaches it is decided by where it listens and WEB_CHAT_TOKEN.
  if (request.platform === "web") return undefined;
  if (request.platform === "slack") {
    const { channels, users } = policy.slack ?? {};
    if (configured(channels) && !inChannels(channels)) return "channel";
    if (configured(users) && !users.includes(request.userId)) return "user";
    return undefined;
  }

  const { guilds, channels, roles, users } = policy.discord ?? {};
  if (configured(guilds) && (!request.guildId || !guilds.includes(request.guildId))) return "guild";
  if (configured(channels) && !inChannels(channels)) return "channel";
  const userListed = configured(users) && users.includes(request.userId);
  const roleHeld = configured(roles) && (request.roleIds ?? []).some((role) => roles.includes(role));
  if (configured(users) || configured(roles)) {
    if (!userListed && !roleHeld) return configured(roles) && !configured(users) ? "role" : "user";
  }
  return undefined;
}
