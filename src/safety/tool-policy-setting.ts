/**
 * TOOL_POLICY as written in the environment: a mode (none, read-only, all; default none) and the MCP tools it
 * allows, comma-separated, e.g. `read-only,tickets/lookup_ticket,docs/*`. One variable, so the policy that
 * governs the built-in tools names the MCP tools too.
 */
import { formatMcpToolName, parseMcpToolName, type McpToolName } from "./mcp-tool-names.js";
import { TOOL_POLICY_MODES, type ToolPolicyMode } from "./tool-policy.js";

/** The GitHub MCP server's tools are turned on by GITHUB_MCP alone, so its list stays read-only. */
export const GITHUB_MCP_SERVER = "github-mcp-server";

export interface ToolPolicySetting {
  mode: ToolPolicyMode;
  mcpTools: McpToolName[];
}

/** The setting, or the sentence saying what is wrong with it (after "TOOL_POLICY: "). */
export function parseToolPolicySetting(text: string | undefined): ToolPolicySetting | { error: string } {
  const entries = (text ?? "").split(",").map((entry) => entry.trim()).filter(Boolean);
  const modes = entries.filter((entry): entry is ToolPolicyMode => (TOOL_POLICY_MODES as readonly string[]).includes(entry));
  if (modes.length > 1) return { error: `names more than one mode (${modes.join(", ")}): keep one of none, read-only or all` };
  const mcpTools: McpToolName[] = [];
  for (const entry of entries) {
    if (modes.includes(entry as ToolPolicyMode)) continue;
    const name = parseMcpToolName(entry);
    if (!name) {
      return {
        error: `"${entry}" is neither a mode (none, read-only, all) nor an MCP tool name (server/tool or server/*, the server as named in MCP_CONFIG)`,
      };
    }
    if (name.server === GITHUB_MCP_SERVER) {
      return { error: `"${entry}": the GitHub MCP tools are turned on with GITHUB_MCP=read-only, not named here` };
    }
    if (!mcpTools.some((known) => formatMcpToolName(known) === formatMcpToolName(name))) mcpTools.push(name);
  }
  return { mode: modes[0] ?? "none", mcpTools };
}
