/**
 * The MCP part of one session's configuration: the configured servers, the GitHub server's setting, and the
 * hooks that log and gate this request's tool calls. Kept apart from copilot-runtime.ts, which only spreads it in.
 */
import type { SessionConfig } from "@github/copilot-sdk";
import type { ResolvedRuntimeOptions } from "./options.js";
import type { AnswerRequest } from "./types.js";

export function mcpSessionConfig(
  options: Pick<ResolvedRuntimeOptions, "mcpServers" | "githubMcpToolConfig" | "hooksFor">,
  request: AnswerRequest,
): Pick<SessionConfig, "mcpServers" | "githubMcpToolConfig" | "hooks"> {
  const servers = options.mcpServers ?? {};
  return {
    ...(Object.keys(servers).length > 0 ? { mcpServers: servers } : {}),
    ...(options.githubMcpToolConfig ? { githubMcpToolConfig: options.githubMcpToolConfig } : {}),
    ...(options.hooksFor ? { hooks: options.hooksFor(request) } : {}),
  };
}
