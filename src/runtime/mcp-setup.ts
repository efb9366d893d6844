/**
 * Start-up of the MCP part: MCP_CONFIG read and checked, TOOL_POLICY's MCP names checked against it, the GitHub
 * preset added, and what every session gets worked out once. Each problem is a StartupError naming its variable.
 */
import type { GitHubMcpToolConfig } from "@github/copilot-sdk";
import type { Logger } from "pino";
import { McpToolAllowList, type McpToolName } from "../safety/mcp-tool-names.js";
import { GITHUB_MCP_SERVER } from "../safety/tool-policy-setting.js";
import { githubMcpToolConfig, githubMcpToolNames, type GitHubMcpSetting } from "./github-mcp.js";
import { checkNamedServers, describeServers, readMcpConfig, serversForSessions, type McpServers } from "./mcp-servers.js";

export interface McpSetup {
  /** What the tool policy allows of MCP tools (src/safety/tool-policy.ts `options.mcp`). */
  allowList: McpToolAllowList;
  /** For every session: the configured servers the policy names tools of, narrowed to those tools. */
  servers: McpServers;
  githubMcpToolConfig?: GitHubMcpToolConfig;
}

export interface McpSetupInput {
  /** MCP_CONFIG. */
  configPath?: string;
  /** The MCP tools TOOL_POLICY names. */
  toolNames: readonly McpToolName[];
  github: GitHubMcpSetting;
  readFile?: (path: string) => string;
}

export function mcpSetup(input: McpSetupInput, logger: Logger): McpSetup {
  const configured = input.configPath ? readMcpConfig(input.configPath, input.readFile) : {};
  checkNamedServers(input.toolNames, configured);
  const github = input.github === "read-only";
  const allowList = new McpToolAllowList(
    [...input.toolNames, ...githubMcpToolNames(input.github)],
    [...Object.keys(configured), ...(github ? [GITHUB_MCP_SERVER] : [])],
  );
  const servers = serversForSessions(configured, allowList);
  for (const name of Object.keys(configured)) {
    if (!(name in servers)) {
      logger.warn({ mcpServer: name }, `MCP server "${name}" is configured in MCP_CONFIG, but TOOL_POLICY names none of its tools, so it is not started: add ${name}/<tool> or ${name}/* to TOOL_POLICY.`);
    }
  }
  if (Object.keys(servers).length > 0) logger.info({ mcpServers: describeServers(servers) }, "MCP servers for every session");
  const githubConfig = githubMcpToolConfig(input.github);
  if (githubConfig) logger.info({ githubMcpTools: githubConfig.additionalTools }, "GitHub MCP tools on, read-only");
  return { allowList, servers, ...(githubConfig ? { githubMcpToolConfig: githubConfig } : {}) };
}
