/**
 * Which MCP tools the tool policy allows, by name. An MCP server's tools are written `server/tool` (one tool) or
 * `server/*` (every tool of that server); nothing from a server runs unless a name covers it. The runtime calls
 * the same tool `server-tool` (its wire name, as the model sees it), so this file also maps wire names back.
 */

/** A server name as MCP_CONFIG may use it: it becomes part of every tool's wire name. */
export const MCP_SERVER_NAME = /^[A-Za-z0-9_-]+$/;
const MCP_TOOL_NAME = /^([A-Za-z0-9_-]+)\/([A-Za-z0-9_.-]+|\*)$/;

export interface McpToolName {
  server: string;
  /** `*`: every tool of the server. */
  tool: string;
}

/** `server/tool` or `server/*`; undefined for anything else. */
export function parseMcpToolName(text: string): McpToolName | undefined {
  const match = MCP_TOOL_NAME.exec(text.trim());
  return match ? { server: match[1]!, tool: match[2]! } : undefined;
}

export const formatMcpToolName = (name: McpToolName): string => `${name.server}/${name.tool}`;

export class McpToolAllowList {
  private readonly byServer = new Map<string, Set<string>>();
  /** Longest first, so `a-b` wins over `a` when a wire name starts with `a-b-`. */
  private readonly serversByLength: string[];

  constructor(
    names: readonly McpToolName[],
    /** Every configured server (named or not): a wire name is an MCP tool's only if its server is one of them. */
    servers: readonly string[],
  ) {
    for (const name of names) {
      const tools = this.byServer.get(name.server) ?? new Set<string>();
      tools.add(name.tool);
      this.byServer.set(name.server, tools);
    }
    this.serversByLength = [...new Set([...servers, ...this.byServer.keys()])].sort((a, b) => b.length - a.length);
  }

  static readonly EMPTY = new McpToolAllowList([], []);

  get isEmpty(): boolean {
    return this.byServer.size === 0;
  }

  /** The servers at least one name covers (the others are not started at all). */
  get namedServers(): string[] {
    return [...this.byServer.keys()];
  }

  allows(server: string, tool: string): boolean {
    const tools = this.byServer.get(server);
    return tools !== undefined && (tools.has("*") || tools.has(tool));
  }

  /** The server's own tool filter (MCPServerConfig.tools): `["*"]`, the named tools, or `[]`. */
  toolsFor(server: string): string[] {
    const tools = this.byServer.get(server);
    if (!tools) return [];
    return tools.has("*") ? ["*"] : [...tools];
  }

  /**
   * Entries for `availableTools`. The runtime matches `mcp:<wire name>` exactly (no glob), so a `server/*` name
   * needs `mcp:*`; each server's own tool filter (toolsFor) then keeps the other servers' unnamed tools out.
   */
  availableTools(): string[] {
    if (this.isEmpty) return [];
    const wildcard = [...this.byServer.values()].some((tools) => tools.has("*"));
    if (wildcard) return ["mcp:*"];
    return [...this.byServer.entries()].flatMap(([server, tools]) => [...tools].map((tool) => `mcp:${server}-${tool}`));
  }

  /** `server-tool` (the wire name) back to server and tool, when it starts with a configured server's name. */
  split(wireName: string): McpToolName | undefined {
    for (const server of this.serversByLength) {
      if (wireName.startsWith(`${server}-`) && wireName.length > server.length + 1) {
        return { server, tool: wireName.slice(server.length + 1) };
      }
    }
    return undefined;
  }
}
