/**
 * The MCP part of the tool policy, as plain logic: TOOL_POLICY's names, the allow list, what the permission
 * handler and the pre-tool hook decide, MCP_CONFIG's checks, and the GitHub preset's tool list being read-only
 * in the configuration the bot passes to every session.
 */
import type { PermissionRequest, SessionHooks } from "@github/copilot-sdk";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { GITHUB_READ_ONLY_TOOLS } from "../../src/runtime/github-mcp.js";
import { readMcpConfig, serversForSessions } from "../../src/runtime/mcp-servers.js";
import { mcpSessionConfig } from "../../src/runtime/mcp-session-config.js";
import { mcpSetup } from "../../src/runtime/mcp-setup.js";
import { toolCallHooks } from "../../src/runtime/tool-hooks.js";
import { createLogger } from "../../src/logging/logger.js";
import { displayToolName } from "../../src/runtime/tool-names.js";
import { McpToolAllowList, parseMcpToolName } from "../../src/safety/mcp-tool-names.js";
import { parseToolPolicySetting } from "../../src/safety/tool-policy-setting.js";
import { toolPolicy } from "../../src/safety/tool-policy.js";

const silent = pino({ level: "silent" });
const invocation = { sessionId: "s" };
const mcpRequest = (serverName: string, tool: string, readOnly = true) =>
  ({ kind: "mcp", serverName, toolName: `${serverName}-${tool}`, toolTitle: tool, readOnly, args: {} }) as PermissionRequest;
type PreToolUseInput = Parameters<NonNullable<SessionHooks["onPreToolUse"]>>[0];
const preToolUse = (toolName: string): PreToolUseInput => ({ sessionId: "s", timestamp: new Date(), workingDirectory: "/", toolName, toolArgs: {} });
const config = (servers: object) => () => JSON.stringify(servers);

describe("TOOL_POLICY with MCP tool names", () => {
  it("reads a mode and names in any order; the mode defaults to none", () => {
    expect(parseToolPolicySetting(undefined)).toEqual({ mode: "none", mcpTools: [] });
    expect(parseToolPolicySetting("read-only")).toEqual({ mode: "read-only", mcpTools: [] });
    expect(parseToolPolicySetting(" tickets/lookup_ticket , read-only, docs/* ")).toEqual({
      mode: "read-only",
      mcpTools: [
        { server: "tickets", tool: "lookup_ticket" },
        { server: "docs", tool: "*" },
      ],
    });
  });

  it("refuses what is neither a mode nor server/tool, two modes, and GitHub tools named by hand", () => {
    expect(parseToolPolicySetting("everything")).toEqual({ error: expect.stringMatching(/"everything" is neither a mode/) });
    expect(parseToolPolicySetting("tickets")).toEqual({ error: expect.stringMatching(/server\/tool or server\/\*/) });
    expect(parseToolPolicySetting("none,all")).toEqual({ error: expect.stringMatching(/more than one mode/) });
    expect(parseToolPolicySetting("github-mcp-server/*")).toEqual({ error: expect.stringMatching(/GITHUB_MCP=read-only/) });
    expect(parseMcpToolName("a/b/c")).toBeUndefined();
  });
});

describe("the MCP allow list", () => {
  const allow = new McpToolAllowList(
    [
      { server: "tickets", tool: "lookup_ticket" },
      { server: "docs", tool: "*" },
    ],
    ["tickets", "docs", "idle", "docs-extra"],
  );

  it("allows exactly the named tools, and every tool of a server/* name", () => {
    expect(allow.allows("tickets", "lookup_ticket")).toBe(true);
    expect(allow.allows("tickets", "close_ticket")).toBe(false);
    expect(allow.allows("docs", "anything")).toBe(true);
    expect(allow.allows("idle", "x")).toBe(false);
  });

  it("maps a wire name back to its server, the longest configured name first", () => {
    expect(allow.split("tickets-lookup_ticket")).toEqual({ server: "tickets", tool: "lookup_ticket" });
    expect(allow.split("docs-extra-search")).toEqual({ server: "docs-extra", tool: "search" });
    expect(allow.split("bash")).toBeUndefined();
  });

  it("offers exact names, or mcp:* when a server/* name needs it (its server filter then narrows)", () => {
    expect(new McpToolAllowList([{ server: "tickets", tool: "lookup_ticket" }], ["tickets"]).availableTools()).toEqual([
      "mcp:tickets-lookup_ticket",
    ]);
    expect(allow.availableTools()).toEqual(["mcp:*"]);
    expect(McpToolAllowList.EMPTY.availableTools()).toEqual([]);
  });

  it("starts only the servers it names, each narrowed to the named tools (and to the file's own list)", () => {
    const servers = serversForSessions(
      {
        tickets: { command: "node", tools: ["lookup_ticket", "close_ticket"] },
        docs: { type: "http", url: "https://docs.example/mcp", tools: ["search"] },
        idle: { command: "idle-server" },
      },
      allow,
    );
    expect(servers).toEqual({
      tickets: { command: "node", tools: ["lookup_ticket"] },
      docs: { type: "http", url: "https://docs.example/mcp", tools: ["search"] },
    });
  });
});

describe("the permission handler and the pre-tool hook decide MCP tools by name, in every mode", () => {
  const allow = new McpToolAllowList([{ server: "tickets", tool: "lookup_ticket" }], ["tickets"]);

  it("approves a named tool and refuses an unnamed one, even with TOOL_POLICY=all", async () => {
    for (const mode of ["none", "read-only", "all"] as const) {
      const policy = toolPolicy(mode, [], { mcp: allow });
      expect(await policy.onPermissionRequest(mcpRequest("tickets", "lookup_ticket"), invocation)).toEqual({ kind: "approve-once" });
      expect(await policy.onPermissionRequest(mcpRequest("tickets", "close_ticket", false), invocation)).toEqual({
        kind: "user-not-available",
      });
      expect(await policy.onPermissionRequest(mcpRequest("other", "x"), invocation)).toEqual({ kind: "user-not-available" });
      expect(policy.availableTools).toContain("mcp:tickets-lookup_ticket");
    }
  });

  it("denies an unnamed MCP tool before it runs, and leaves other tools to the permission handler", async () => {
    const hooks = toolCallHooks(toolPolicy("none", ["advisor"], { mcp: allow }), silent, { requester: "Alice" });
    expect(await hooks.onPreToolUse!(preToolUse("tickets-close_ticket"), invocation)).toEqual({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringContaining("does not allow tickets/close_ticket"),
    });
    expect(await hooks.onPreToolUse!(preToolUse("tickets-lookup_ticket"), invocation)).toBeUndefined();
    expect(await hooks.onPreToolUse!(preToolUse("advisor"), invocation)).toBeUndefined();
  });

  it("logs who asked, which tool and the decision, with arguments at debug level only", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const hooks = toolCallHooks(toolPolicy("none", ["advisor"], { mcp: allow }), capture, { requester: "Alice", threadKey: "t1" });
    const call = { ...preToolUse("tickets-lookup_ticket"), toolArgs: { id: "SECRET-ARG" } };
    await hooks.onPreToolUse!(call, invocation);
    await hooks.onPostToolUse!(
      { ...call, toolResult: { textResultForLlm: "SECRET-RESULT", resultType: "success" } },
      invocation,
    );
    await hooks.onPreToolUse!(preToolUse("bash"), invocation);
    await hooks.onPreToolUse!(preToolUse("tickets-close_ticket"), invocation);
    expect(lines.map(({ msg, tool, decision, requester, threadKey }) => ({ msg, tool, decision, requester, threadKey }))).toEqual([
      { msg: "Tool call", tool: "tickets/lookup_ticket", decision: "allowed", requester: "Alice", threadKey: "t1" },
      { msg: "Tool call finished", tool: "tickets/lookup_ticket", decision: undefined, requester: "Alice", threadKey: "t1" },
      { msg: "Tool call refused by the tool policy", tool: "bash", decision: "refused", requester: "Alice", threadKey: "t1" },
      { msg: "Tool call refused by the tool policy", tool: "tickets/close_ticket", decision: "refused", requester: "Alice", threadKey: "t1" },
    ]);
    expect(lines[1]).toMatchObject({ outcome: "success", ms: expect.any(Number) });
    expect(JSON.stringify(lines)).not.toMatch(/SECRET-ARG|SECRET-RESULT/);
  });

  it("at debug level logs arguments and results, with token values scrubbed by the logger", async () => {
    const token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", format: "json", secrets: [token], destination: { write: (line: string) => lines.push(line) } });
    const hooks = toolCallHooks(toolPolicy("none", [], { mcp: allow }), logger, {});
    const call = { ...preToolUse("tickets-lookup_ticket"), toolArgs: { id: "TP-9", auth: token } };
    await hooks.onPreToolUse!(call, invocation);
    await hooks.onPostToolUse!({ ...call, toolResult: { textResultForLlm: `result for TP-9 ${token}`, resultType: "success" } }, invocation);
    const text = lines.join("");
    expect(text).toContain("TP-9");
    expect(text).toContain("Tool call result");
    expect(text).not.toContain(token);
  });

  it("names an MCP tool server/tool for people (the status line and the reply)", () => {
    expect(displayToolName({ toolName: "tickets-lookup_ticket", mcpServerName: "tickets", mcpToolName: "lookup_ticket" })).toBe(
      "tickets/lookup_ticket",
    );
    expect(displayToolName({ toolName: "github-mcp-server-list_issues", mcpServerName: "github-mcp-server", mcpToolName: "list_issues" })).toBe(
      "github/list_issues",
    );
    expect(displayToolName({ toolName: "read_thread" })).toBe("read_thread");
  });
});

describe("MCP_CONFIG", () => {
  it("accepts stdio and HTTP servers, also wrapped in mcpServers; stdio servers run in the file's directory", () => {
    const servers = readMcpConfig(
      "/srv/bot/mcp.json",
      config({ mcpServers: { tickets: { command: "node", args: ["tickets.js"] }, docs: { type: "http", url: "https://docs.example/mcp" } } }),
    );
    expect(servers).toEqual({
      tickets: { command: "node", args: ["tickets.js"], workingDirectory: "/srv/bot" },
      docs: { type: "http", url: "https://docs.example/mcp" },
    });
  });

  it.each([
    ["a missing command", { t: { args: ["x"] } }, /server "t": "command" is missing/],
    ["an unknown field", { t: { command: "x", cmd: "y" } }, /server "t" has unknown field\(s\) "cmd"/],
    ["an unknown type", { t: { type: "websocket", url: "x" } }, /server "t": "type" must be "stdio", "local", "http" or "sse"/],
    ["a URL that is not http(s)", { t: { type: "http", url: "ftp://x" } }, /server "t": "url" must be an http\(s\) URL/],
    ["a list where servers go", [1], /must be a JSON object of servers/],
    ["a server name with a space", { "my server": { command: "x" } }, /server "my server" is not a usable server name/],
    ["no server", {}, /lists no server/],
    ["the GitHub server's name", { "github-mcp-server": { command: "x" } }, /GITHUB_MCP/],
    ["server names one would confuse", { a: { command: "x" }, "a-b": { command: "y" } }, /"a" and "a-b"/],
  ])("refuses %s in one sentence naming MCP_CONFIG", (_what, file, sentence) => {
    expect(() => readMcpConfig("/srv/mcp.json", config(file))).toThrow(sentence);
    expect(() => readMcpConfig("/srv/mcp.json", config(file))).toThrow(/^MCP_CONFIG \(\/srv\/mcp\.json\)[ :].*\.$/);
  });

  it("refuses a TOOL_POLICY name whose server MCP_CONFIG does not configure", () => {
    const read = config({ tickets: { command: "node" } });
    expect(() => mcpSetup({ configPath: "/srv/mcp.json", toolNames: [{ server: "docs", tool: "*" }], github: "off", readFile: read }, silent)).toThrow(
      /^TOOL_POLICY names docs\/\*, but MCP_CONFIG has no server "docs" \(it has "tickets"\)\.$/,
    );
    expect(() => mcpSetup({ toolNames: [{ server: "docs", tool: "*" }], github: "off" }, silent)).toThrow(/set MCP_CONFIG/);
  });
});

describe("GITHUB_MCP=read-only", () => {
  // Verbs of the GitHub MCP server's writes (issue_write, create_pull_request, merge_pull_request, actions_run_trigger, ...).
  const WRITE = /^(create|update|delete|merge|add|remove|push|fork|assign|close|reopen|submit|request|dismiss|run|rerun|cancel|trigger|edit|set|star|unstar|mark|manage|lock|unlock)_|_(write|trigger)$/;
  // ...and of its reads: get_*, list_*, search_*, *_read.
  const READ = /^(get|list|search)_|_read$/;

  function sessionConfig() {
    const setup = mcpSetup({ toolNames: [], github: "read-only" }, silent);
    const policy = toolPolicy("none", ["read_thread"], { mcp: setup.allowList });
    const session = mcpSessionConfig(
      { mcpServers: setup.servers, ...(setup.githubMcpToolConfig ? { githubMcpToolConfig: setup.githubMcpToolConfig } : {}) },
      { prompt: "x" },
    );
    return { setup, policy, session };
  }

  it("passes a GitHub MCP configuration with read-only tools only: no toolsets, not all tools", () => {
    const { session } = sessionConfig();
    expect(session.githubMcpToolConfig).toEqual({ enableAllTools: false, additionalToolsets: [], additionalTools: expect.any(Array) });
    const tools = session.githubMcpToolConfig!.additionalTools!;
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.filter((tool) => WRITE.test(tool))).toEqual([]);
    expect(tools.filter((tool) => !READ.test(tool))).toEqual([]);
    expect(tools).toEqual(expect.arrayContaining(["list_issues", "issue_read", "search_code", "list_pull_requests"]));
  });

  it("offers the model only those tools, and refuses the server's writes at the permission handler and the hook", async () => {
    const { policy } = sessionConfig();
    const offered = policy.availableTools.filter((entry) => entry.startsWith("mcp:"));
    expect(offered).toEqual(GITHUB_READ_ONLY_TOOLS.map((tool) => `mcp:github-mcp-server-${tool}`));
    const hooks = toolCallHooks(policy, silent, {});
    for (const write of ["issue_write", "create_pull_request", "merge_pull_request", "actions_run_trigger", "push_files"]) {
      expect(await policy.onPermissionRequest(mcpRequest("github-mcp-server", write, false), invocation)).toEqual({ kind: "user-not-available" });
      expect(await hooks.onPreToolUse!(preToolUse(`github-mcp-server-${write}`), invocation)).toMatchObject({ permissionDecision: "deny" });
    }
    expect(await policy.onPermissionRequest(mcpRequest("github-mcp-server", "list_issues"), invocation)).toEqual({ kind: "approve-once" });
  });

  it("is off by default: no GitHub configuration, no MCP tools offered", () => {
    const setup = mcpSetup({ toolNames: [], github: "off" }, silent);
    expect(setup.githubMcpToolConfig).toBeUndefined();
    expect(mcpSessionConfig({ mcpServers: setup.servers }, { prompt: "x" })).toEqual({});
    expect(toolPolicy("none", [], { mcp: setup.allowList }).availableTools.some((entry) => entry.startsWith("mcp:"))).toBe(false);
  });
});
