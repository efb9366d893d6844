/**
 * Every REST request this process sends to Discord, in one sliding window under the bot's global limit of 50 per
 * second. discord.js keeps that limit itself, but in fixed one-second windows that never line up with Discord's,
 * so a burst at the end of one window and another at the start of the next (many conversations reading their
 * history at once, say) can put more than 50 into one of Discord's seconds and draw a global 429. A sliding
 * window counted from each request's completion never lets more than `perSecond` arrive within any second.
 * Interaction callbacks and the interaction webhook are not bound by the global limit (Discord's Rate Limits
 * page) and pass straight through.
 */
import type { Client } from "discord.js";
import { ScopeBudget } from "../../reply/budget/budget.js";
import { withBudget } from "../../reply/target.js";

/** What discord.js's REST calls to send one request (its `makeRequest` option). */
type MakeRequest = Client["rest"]["options"]["makeRequest"];

const INTERACTION_PATH = /\/(?:interactions\/\d+\/[^/]+\/callback|webhooks\/\d+\/[^/?]+)(?:[/?]|$)/;

export function gateRestRequests(client: Client, perSecond: number): void {
  const window = new ScopeBudget({ calls: perSecond, perMs: 1_000 });
  const options = client.rest.options as { makeRequest: MakeRequest; globalRequestsPerSecond: number };
  const send = options.makeRequest;
  options.makeRequest = (url, init) => (INTERACTION_PATH.test(url) ? send(url, init) : withBudget(window, () => send(url, init)));
  // This window is the limit now; discord.js's own fixed one would count requests still waiting here.
  options.globalRequestsPerSecond = Math.max(options.globalRequestsPerSecond, perSecond * 10);
}
