/**
 * MCP servers from configuration: the JSON file named by MCP_CONFIG, in the shape of the SDK's `mcpServers`
 * (stdio and HTTP servers), checked once at start. What reaches a session is narrowed by the tool policy: a server
 * none of whose tools the policy names is not started at all, and each started server's own tool filter lists
 * only the named tools.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { MCPServerConfig } from "@github/copilot-sdk";
import { z } from "zod";
import { StartupError } from "../startup/startup-error.js";
import { MCP_SERVER_NAME, type McpToolAllowList, type McpToolName } from "../safety/mcp-tool-names.js";
import { GITHUB_MCP_SERVER } from "../safety/tool-policy-setting.js";

/** An object's own message for "not an object", leaving its fields' and keys' messages alone. */
const onlyForWrongType = (message: string) => (issue: { code?: string }) => (issue.code === "invalid_type" ? message : undefined);

const stringMap = z.record(z.string(), z.string({ error: "must be a string" }), { error: "must be an object of strings" });
const toolList = z.array(z.string({ error: "must be a tool name" }), { error: "must be a list of tool names" });
const timeout = z.number({ error: "must be a number of milliseconds" }).int({ error: "must be a whole number of milliseconds" }).positive({ error: "must be positive" });

const stdioServer = z.strictObject(
  {
    type: z.enum(["stdio", "local"], { error: 'must be "stdio", "local", "http" or "sse"' }).optional(),
    command: z.string({ error: "is missing: a stdio server needs the program to run" }).trim().min(1, { error: "is empty: a stdio server needs the program to run" }),
    args: z.array(z.string({ error: "must be a string" }), { error: "must be a list of strings" }).optional(),
    env: stringMap.optional(),
    workingDirectory: z.string({ error: "must be a path" }).optional(),
    tools: toolList.optional(),
    timeout: timeout.optional(),
  },
  { error: onlyForWrongType("must be an object") },
);

const httpServer = z.strictObject(
  {
    type: z.enum(["http", "sse"]),
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    headers: stringMap.optional(),
    tools: toolList.optional(),
    timeout: timeout.optional(),
  },
  { error: onlyForWrongType("must be an object") },
);

/** HTTP when `type` says so; everything else is read as stdio (the SDK's default), so its errors name `command`. */
const serverConfig = z.custom<unknown>().transform((value, ctx) => {
  const type = value && typeof value === "object" ? (value as { type?: unknown }).type : undefined;
  const schema = type === "http" || type === "sse" ? httpServer : stdioServer;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as MCPServerConfig;
  for (const issue of parsed.error.issues) {
    const message =
      issue.code === "unrecognized_keys" ? `has unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}` : issue.message;
    ctx.addIssue({ code: "custom", path: issue.path, message });
  }
  return z.NEVER;
});

const mcpConfigFile = z.record(
  z.string().regex(MCP_SERVER_NAME),
  serverConfig,
  { error: onlyForWrongType('must be a JSON object of servers, e.g. {"tickets": {"command": "node", "args": ["server.js"]}}') },
);

export type McpServers = Record<string, MCPServerConfig>;

type FileReader = (path: string) => string;

/**
 * Reads and checks the MCP_CONFIG file. A file wrapped as `{"mcpServers": {...}}` (as other tools write it) is
 * accepted too. A stdio server without its own working directory runs in the file's directory, so relative
 * paths in its arguments mean what they say in the file. Throws StartupError naming MCP_CONFIG.
 */
export function readMcpConfig(path: string, readFile: FileReader = (p) => readFileSync(p, "utf8")): McpServers {
  const fail = (problem: string): never => {
    throw new StartupError("MCP_CONFIG", `MCP_CONFIG (${path})${problem}.`);
  };
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(` cannot be read (${code ?? "unreadable"}): check the path and its permissions`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(` is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (json && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length === 1 && "mcpServers" in json) {
    json = (json as { mcpServers: unknown }).mcpServers;
  }
  const parsed = mcpConfigFile.safeParse(json);
  if (!parsed.success) return fail(describeIssue(parsed.error.issues[0]!));
  const servers = parsed.data;
  if (Object.keys(servers).length === 0) fail(" lists no server");
  if (GITHUB_MCP_SERVER in servers) fail(` names a server "${GITHUB_MCP_SERVER}": that name is the GitHub MCP server's, turned on with GITHUB_MCP`);
  const names = Object.keys(servers);
  // Tools are called `server-tool`: with servers "a" and "a-b", "a-b-c" could be either.
  for (const a of names) {
    const clash = names.find((b) => b !== a && b.startsWith(`${a}-`));
    if (clash) fail(` names servers "${a}" and "${clash}": their tool names would be confused; rename one`);
  }
  const base = dirname(resolve(path));
  return Object.fromEntries(
    Object.entries(servers).map(([name, server]) => [
      name,
      "command" in server ? { ...server, workingDirectory: resolve(base, server.workingDirectory ?? ".") } : server,
    ]),
  );
}

/** What is wrong, after "MCP_CONFIG (path)": where in the file, then zod's sentence. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const [server, ...field] = issue.path.map(String);
  const message = issue.code === "invalid_key" ? "is not a usable server name (letters, digits, _ and - only)" : issue.message;
  if (server === undefined) return ` ${message}`;
  if (field.length === 0) return `: server "${server}" ${message}`;
  return `: server "${server}": "${field.join(".")}" ${message}`;
}

/** Every name the policy gives must be a configured server's, or the operator's intent silently does nothing. */
export function checkNamedServers(names: readonly McpToolName[], servers: McpServers): void {
  for (const name of names) {
    if (!(name.server in servers)) {
      const configured = Object.keys(servers);
      throw new StartupError(
        "TOOL_POLICY",
        `TOOL_POLICY names ${name.server}/${name.tool}, but MCP_CONFIG has no server "${name.server}"` +
          (configured.length > 0 ? ` (it has ${configured.map((s) => `"${s}"`).join(", ")}).` : ": set MCP_CONFIG to a file that configures it."),
      );
    }
  }
}

/**
 * The servers a session gets: only those the policy names a tool of, each with its tool filter narrowed to the
 * named tools (and to the file's own `tools` list where it has one).
 */
export function serversForSessions(servers: McpServers, allow: McpToolAllowList): McpServers {
  const kept: McpServers = {};
  for (const [name, server] of Object.entries(servers)) {
    const named = allow.toolsFor(name);
    if (named.length === 0) continue;
    const own = server.tools === undefined || server.tools.includes("*") ? undefined : server.tools;
    const tools = named.includes("*") ? (own ?? ["*"]) : own ? named.filter((tool) => own.includes(tool)) : named;
    if (tools.length > 0) kept[name] = { ...server, tools };
  }
  return kept;
}

/** For the start-up log line: names, kinds and tool filters, never commands' arguments, env or headers. */
export function describeServers(servers: McpServers): Array<{ server: string; type: string; tools: string[] }> {
  return Object.entries(servers).map(([server, config]) => ({
    server,
    type: "url" in config ? config.type : "stdio",
    tools: config.tools ?? ["*"],
  }));
}
