/**
 * Which Copilot tools a session may use. In a team channel anyone can type a prompt, and the runtime's built-in
 * tools can run shell commands, write files and fetch URLs on the host, so the default offers none of them:
 * sessions list their tools explicitly (`availableTools`) and the permission handler refuses anything else.
 * Operators open it up with TOOL_POLICY.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { PermissionHandler, PermissionRequest, PermissionRequestResult } from "@github/copilot-sdk";
import type { Logger } from "pino";
import { formatMcpToolName, McpToolAllowList, type McpToolName } from "./mcp-tool-names.js";

export type ToolPolicyMode = "none" | "read-only" | "all";
export const TOOL_POLICY_MODES: readonly ToolPolicyMode[] = ["none", "read-only", "all"];

export type BuiltInToolGroup =
  | "read-repository"
  | "shell"
  | "file-write"
  | "web"
  | "session-database"
  | "agents"
  | "skills"
  | "ask-user";

export interface BuiltInToolRule {
  /** The runtime's tool name (Copilot runtime 1.0.85, SDK 1.0.14), as sent to the model. */
  tool: string;
  group: BuiltInToolGroup;
  /** The least permissive mode that offers the tool. */
  from: ToolPolicyMode;
  /** Offered only when this is configured. */
  onlyWith?: "skills";
  what: string;
}

/**
 * THE policy table (copied into the README). Names were read from the tool list the runtime sends to the model
 * in its default mode; `skill` and `ask_user` appear only when skills or a user-input handler are configured.
 * "none" offers no built-in tool that touches the host, only threadpilot's own tools (advisor, read_thread) and,
 * with SKILL_DIRS set, `skill`, which only loads instructions the operator installed.
 */
export const BUILT_IN_TOOL_POLICY: readonly BuiltInToolRule[] = [
  { tool: "view", group: "read-repository", from: "read-only", what: "read a file or list a directory (only under the repository roots)" },
  { tool: "grep", group: "read-repository", from: "read-only", what: "search file contents with ripgrep (only under the repository roots)" },
  { tool: "glob", group: "read-repository", from: "read-only", what: "find files by name pattern (only under the repository roots)" },
  { tool: "bash", group: "shell", from: "all", what: "run any shell command on the host" },
  { tool: "read_bash", group: "shell", from: "all", what: "read output of a running shell command" },
  { tool: "stop_bash", group: "shell", from: "all", what: "stop a running shell command" },
  { tool: "list_bash", group: "shell", from: "all", what: "list running shell commands" },
  { tool: "create", group: "file-write", from: "all", what: "create a file" },
  { tool: "edit", group: "file-write", from: "all", what: "change a file" },
  { tool: "web_fetch", group: "web", from: "all", what: "fetch any URL" },
  { tool: "sql", group: "session-database", from: "all", what: "query the session's scratch SQLite database" },
  { tool: "task", group: "agents", from: "all", what: "start a sub-agent (with the same tools)" },
  { tool: "read_agent", group: "agents", from: "all", what: "read a sub-agent's result" },
  { tool: "write_agent", group: "agents", from: "all", what: "message a sub-agent" },
  { tool: "list_agents", group: "agents", from: "all", what: "list sub-agents" },
  { tool: "skill", group: "skills", from: "none", onlyWith: "skills", what: "load a configured skill's instructions (no permission needed)" },
  { tool: "ask_user", group: "ask-user", from: "all", what: "ask the user a question mid-turn (no one answers in chat)" },
];

const MODE_RANK: Record<ToolPolicyMode, number> = { none: 0, "read-only": 1, all: 2 };

/** Built-in tools a mode offers, by name. */
export function builtInToolsFor(mode: ToolPolicyMode, configured: { skills?: boolean } = {}): string[] {
  return BUILT_IN_TOOL_POLICY.filter(
    (rule) => MODE_RANK[rule.from] <= MODE_RANK[mode] && (rule.onlyWith !== "skills" || configured.skills === true),
  ).map((rule) => rule.tool);
}

export interface ToolPolicyOptions {
  /**
   * Directories the read-only tools may read (REPOS_DIR). A read anywhere else is refused. Without roots,
   * "read-only" refuses every read.
   */
  readRoots?: readonly string[];
  /** SKILL_DIRS is set: offer the `skill` tool (in every mode). */
  skills?: boolean;
  /** Receives one line per refused permission request (kind and tool, never arguments). */
  logger?: Logger;
  /**
   * The MCP tools TOOL_POLICY (and GITHUB_MCP) name. In every mode, `all` included, an MCP tool runs only when
   * named: an MCP server is someone else's code, and "all" is about the runtime's own tools.
   */
  mcp?: McpToolAllowList;
}

export interface ToolPolicy {
  mode: ToolPolicyMode;
  /** For `createSession({ availableTools })`: source-qualified names, never empty-means-everything. */
  availableTools: string[];
  /** For `createSession({ onPermissionRequest })`. */
  onPermissionRequest: PermissionHandler;
  /** Set for "all": the caller logs it at warn level when it starts. */
  warning?: string;
  /** For a tool's wire name (`server-tool`) of a configured MCP server: which tool it is and whether it may run. */
  mcpDecision(wireName: string): { name: McpToolName; allowed: boolean } | undefined;
  /** Whether a session offers this (non-MCP) tool at all; an offered read is still checked by path. */
  offers(toolName: string): boolean;
}

// `user-not-available` (not `reject`): the model is told the tool was refused and still finishes its answer.
const REFUSE: PermissionRequestResult = { kind: "user-not-available" };
const APPROVE: PermissionRequestResult = { kind: "approve-once" };

export const ALL_TOOLS_WARNING =
  "TOOL_POLICY=all: every built-in Copilot tool is enabled, including shell commands, file writes and web fetches " +
  "on this host. Anyone who can message the bot can run commands here. Use it only with a tight access allow-list.";

export function toolPolicy(
  mode: ToolPolicyMode,
  customToolNames: readonly string[],
  options: ToolPolicyOptions = {},
): ToolPolicy {
  if (!TOOL_POLICY_MODES.includes(mode)) throw new Error(`Unknown tool policy "${String(mode)}"`);
  const custom = new Set(customToolNames);
  const mcp = options.mcp ?? McpToolAllowList.EMPTY;
  const availableTools = [
    ...(mode === "all"
      ? ["builtin:*"]
      : builtInToolsFor(mode, { skills: options.skills === true }).map((name) => `builtin:${name}`)),
    ...[...custom].map((name) => `custom:${name}`),
    ...mcp.availableTools(),
  ];
  // An empty list would not mean "nothing" to every runtime version; a name that matches no tool does.
  if (availableTools.length === 0) availableTools.push("custom:threadpilot-no-tools");

  const roots = (options.readRoots ?? []).map(canonicalPath);
  const decide = (request: PermissionRequest): boolean => {
    // Before "all": MCP tools are allowed by name only. The request's toolName is the wire name `server-tool`.
    if (request.kind === "mcp") {
      const prefix = `${request.serverName}-`;
      const tool = request.toolName.startsWith(prefix) ? request.toolName.slice(prefix.length) : request.toolName;
      return mcp.allows(request.serverName, tool);
    }
    if (mode === "all") return true;
    switch (request.kind) {
      case "custom-tool":
        return custom.has(request.toolName);
      case "read":
        return mode === "read-only" && !request.requestSandboxBypass && isUnderRoots(request.path, roots);
      default:
        return false;
    }
  };

  const onPermissionRequest: PermissionHandler = (request) => {
    try {
      if (decide(request)) return APPROVE;
    } catch {
      // A request shape this code does not know: refuse rather than guess.
    }
    options.logger?.info(
      { permission: request.kind, tool: toolNameOf(request), toolPolicy: mode },
      "Tool request refused by the tool policy",
    );
    return REFUSE;
  };

  return {
    mode,
    availableTools,
    onPermissionRequest,
    ...(mode === "all" ? { warning: ALL_TOOLS_WARNING } : {}),
    offers: (toolName) =>
      custom.has(toolName) ||
      (mode === "all" ? true : builtInToolsFor(mode, { skills: options.skills === true }).includes(toolName)),
    mcpDecision: (wireName) => {
      const name = mcp.split(wireName);
      return name ? { name, allowed: mcp.allows(name.server, name.tool) } : undefined;
    },
  };
}

function toolNameOf(request: PermissionRequest): string | undefined {
  if (request.kind === "mcp") return formatMcpToolName({ server: request.serverName, tool: request.toolName.replace(`${request.serverName}-`, "") });
  return "toolName" in request && typeof request.toolName === "string" ? request.toolName : undefined;
}

/** Resolves symlinks where the path exists, so a link inside a repository cannot point reads elsewhere. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

export function isUnderRoots(path: string | undefined, roots: readonly string[]): boolean {
  if (!path || roots.length === 0) return false;
  const target = canonicalPath(path);
  return roots.some((root) => {
    const rel = relative(root, target);
    return rel === "" || (rel.split(sep)[0] !== ".." && !isAbsolute(rel));
  });
}

/** The start-up line: a loud warning for "all", a plain note otherwise. */
export function logToolPolicy(logger: Logger, policy: ToolPolicy): void {
  if (policy.warning) {
    logger.warn({ toolPolicy: policy.mode, availableTools: policy.availableTools }, policy.warning);
    return;
  }
  logger.info({ toolPolicy: policy.mode, availableTools: policy.availableTools }, "Tool policy in force");
}
