/**
 * What a session may do when the caller gives no tool policy. In a team channel anyone can prompt the bot, so by
 * default no built-in tool (shell, file writes, URL fetches, file reads) is offered, and any permission request
 * other than for threadpilot's own tools is refused. src/safety/tool-policy.ts builds the configurable policy.
 */
import type { PermissionHandler } from "@github/copilot-sdk";

/**
 * Approves threadpilot's own tools (the runtime asks permission for custom tools too, so refusing them would
 * switch them off) and answers everything else with `user-not-available`: the model is told the tool was
 * refused and still finishes its answer, where `reject` would end the turn with no answer at all.
 */
export const ownToolsOnly: PermissionHandler = (request) =>
  request.kind === "custom-tool" ? { kind: "approve-once" } : { kind: "user-not-available" };

/**
 * `availableTools` when none is configured: the bot's own tools only, plus the built-in `skill` tool when skill
 * directories are configured (skills do nothing without it).
 */
export function defaultAvailableTools(hasSkills: boolean): string[] {
  return hasSkills ? ["custom:*", "builtin:skill"] : ["custom:*"];
}
