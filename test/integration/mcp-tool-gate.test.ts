/**
 * Why the pre-tool hook is the gate for MCP tools, shown with the real Copilot runtime, the fake model and the
 * test's stdio MCP server, with the other two layers (the server's tool filter, the session's tool list) opened
 * on purpose: the runtime runs an MCP tool marked read-only without asking the permission handler at all, so a
 * policy enforced there alone would let it through. With the bot's hooks, the unnamed tool is denied before the
 * server is called, while a named one runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { MCPServerConfig, PermissionHandler } from "@github/copilot-sdk";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolCallHooks } from "../../src/runtime/tool-hooks.js";
import { McpToolAllowList } from "../../src/safety/mcp-tool-names.js";
import { toolPolicy } from "../../src/safety/tool-policy.js";
import { messageText, startFakeModel, type FakeModel, type RecordedRequest, type Script } from "../support/fake-model/server.js";
import { createTestRuntime, type TestRuntime } from "../support/test-runtime.js";

const TICKETS_SERVER = resolve(fileURLToPath(new URL("../support/mcp-server/tickets-server.mjs", import.meta.url)));
const silent = pino({ level: "silent" });

let fake: FakeModel;
const runtimes: TestRuntime[] = [];

beforeAll(async () => {
  fake = await startFakeModel();
});

afterAll(async () => {
  for (const runtime of runtimes) await runtime.close();
  await fake?.close();
});

const echoToolResults = (request: RecordedRequest): Script => ({
  text: `The tool said: ${(request.body.messages ?? []).filter((m) => m.role === "tool").map((m) => messageText(m)).join(" | ")}`,
});

/** A runtime whose session offers every tool of the tickets server; only `withHooks` adds the bot's hooks. */
function runtime(options: { withHooks: boolean; permissionAsked: string[] }) {
  // Only close_ticket is named: lookup_ticket (marked read-only by the server) is not.
  const allow = new McpToolAllowList([{ server: "tickets", tool: "close_ticket" }], ["tickets"]);
  const policy = toolPolicy("none", [], { mcp: allow });
  const onPermissionRequest: PermissionHandler = (request, invocation) => {
    options.permissionAsked.push(request.kind === "mcp" ? request.toolName : request.kind);
    return policy.onPermissionRequest(request, invocation);
  };
  const test = createTestRuntime(fake, (dir) => {
    const callLog = join(dir, "calls.log");
    const server: MCPServerConfig = { command: process.execPath, args: [TICKETS_SERVER], env: { TICKETS_CALL_LOG: callLog }, tools: ["*"] };
    return {
      mcpServers: { tickets: server },
      availableTools: ["mcp:*"],
      onPermissionRequest,
      ...(options.withHooks ? { hooksFor: () => toolCallHooks(policy, silent, {}) } : {}),
    };
  });
  runtimes.push(test);
  const callLog = join(test.home, "calls.log");
  return {
    ask: () => test.runtime.runSession({ prompt: "look up TP-1", threadKey: "t" }),
    serverCalls: () => (existsSync(callLog) ? readFileSync(callLog, "utf8").trim().split("\n").filter(Boolean) : []),
  };
}

describe("the pre-tool hook gates MCP tools", () => {
  it("without it, an unnamed read-only MCP tool runs: the permission handler is never asked", { timeout: 120_000 }, async () => {
    const permissionAsked: string[] = [];
    const bare = runtime({ withHooks: false, permissionAsked });
    fake.reset();
    fake.script({ toolCalls: [{ name: "tickets-lookup_ticket", arguments: { id: "TP-1" } }] }, echoToolResults);
    expect(await bare.ask()).toContain("BLOCKED-ON-REVIEW");
    expect(bare.serverCalls()).toHaveLength(1);
    expect(permissionAsked).toEqual([]);
  });

  it("with it, the unnamed tool is denied before the server is called, and a named one runs", { timeout: 120_000 }, async () => {
    const permissionAsked: string[] = [];
    const gated = runtime({ withHooks: true, permissionAsked });
    fake.reset();
    fake.script({ toolCalls: [{ name: "tickets-lookup_ticket", arguments: { id: "TP-1" } }] }, echoToolResults);
    expect(await gated.ask()).toContain("The tool policy does not allow tickets/lookup_ticket");
    expect(gated.serverCalls()).toEqual([]);

    fake.script({ toolCalls: [{ name: "tickets-close_ticket", arguments: { id: "TP-1" } }] }, echoToolResults);
    expect(await gated.ask()).toContain("Ticket TP-1 closed.");
    expect(gated.serverCalls()).toHaveLength(1);
    // A tool the server does not mark read-only is also put to the permission handler, which approves it by name.
    expect(permissionAsked).toEqual(["tickets-close_ticket"]);
  });
});
