/**
 * GITHUB_MCP=read-only: the Copilot runtime's built-in GitHub MCP server (`github-mcp-server`), signed in with
 * the bot's GitHub token, offered in read-only form so a thread can ask about issues, pull requests and code.
 * The server's default tool set includes writes (it can trigger workflow runs), so read-only is not left to its
 * configuration: the tool policy names exactly the tools below, and every other GitHub tool is refused like any
 * unnamed MCP tool (not offered to the model, denied by the pre-tool hook, refused by the permission handler).
 */
import type { GitHubMcpToolConfig } from "@github/copilot-sdk";
import type { McpToolName } from "../safety/mcp-tool-names.js";
import { GITHUB_MCP_SERVER } from "../safety/tool-policy-setting.js";

export type GitHubMcpSetting = "off" | "read-only";

/**
 * Reads only: issues, pull requests, code and file search, commits. Names as the runtime's GitHub MCP server
 * (runtime 1.0.85) calls them; `pull_request_read` is the newer server's single read tool for pull requests.
 */
export const GITHUB_READ_ONLY_TOOLS: readonly string[] = [
  "issue_read",
  "list_issues",
  "search_issues",
  "pull_request_read",
  "get_pull_request",
  "get_pull_request_comments",
  "get_pull_request_files",
  "get_pull_request_reviews",
  "get_pull_request_status",
  "list_pull_requests",
  "search_code",
  "get_file_contents",
  "list_commits",
  "get_commit",
  "search_repositories",
];

/** The policy names the preset adds: `github-mcp-server/<tool>` for each read-only tool, never `/*`. */
export function githubMcpToolNames(setting: GitHubMcpSetting): McpToolName[] {
  if (setting !== "read-only") return [];
  return GITHUB_READ_ONLY_TOOLS.map((tool) => ({ server: GITHUB_MCP_SERVER, tool }));
}

/**
 * The session's `githubMcpToolConfig`: not every tool (`enableAllTools: false`), no extra toolsets (a toolset
 * brings its write tools along), and the read-only tools asked for by name.
 */
export function githubMcpToolConfig(setting: GitHubMcpSetting): GitHubMcpToolConfig | undefined {
  if (setting !== "read-only") return undefined;
  return { enableAllTools: false, additionalToolsets: [], additionalTools: [...GITHUB_READ_ONLY_TOOLS] };
}
