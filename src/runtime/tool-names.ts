/**
 * The name people read for a tool, in the status line, the reply and the logs. The runtime calls an MCP tool
 * `server-tool`, which reads as one word; `server/tool` is the name TOOL_POLICY uses for it, so what people see
 * is what an administrator would write. The runtime's GitHub server reads as `github`.
 */
import type { McpToolName } from "../safety/mcp-tool-names.js";
import { GITHUB_MCP_SERVER } from "../safety/tool-policy-setting.js";

export function displayMcpToolName(name: McpToolName): string {
  return `${name.server === GITHUB_MCP_SERVER ? "github" : name.server}/${name.tool}`;
}

/** From a `tool.execution_start` event: the MCP server and tool when it is an MCP tool, else the tool's name. */
export function displayToolName(data: { toolName: string; mcpServerName?: string; mcpToolName?: string }): string {
  if (data.mcpServerName && data.mcpToolName) return displayMcpToolName({ server: data.mcpServerName, tool: data.mcpToolName });
  return data.toolName;
}
