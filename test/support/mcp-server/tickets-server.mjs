#!/usr/bin/env node
/**
 * A small MCP server over stdio for the tests: the few JSON-RPC messages of the MCP stdio transport (one JSON
 * message per line) written out by hand, so no MCP library has to be installed. It is plain JavaScript because
 * the bot starts it with `node` as a user's MCP_CONFIG would, without a TypeScript loader.
 *
 * Tools: `lookup_ticket` (read-only: returns a ticket's text) and `close_ticket` (a write). Every `tools/call`
 * that reaches the server is appended as one JSON line to the file named by TICKETS_CALL_LOG, so a test can
 * prove a refused call never arrived.
 */
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const CALL_LOG = process.env.TICKETS_CALL_LOG;

const TOOLS = [
  {
    name: "lookup_ticket",
    description: "Returns the title and status of a ticket by its id.",
    inputSchema: {
      type: "object",
      properties: { id: { type: "string", description: "The ticket id, e.g. TP-7" } },
      required: ["id"],
    },
    annotations: { readOnlyHint: true },
  },
  {
    name: "close_ticket",
    description: "Closes a ticket.",
    inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    annotations: { readOnlyHint: false, destructiveHint: true },
  },
];

/** The text each tool answers with; the ticket text is distinctive so a test can find it in the chat answer. */
function callTool(name, args) {
  const id = typeof args?.id === "string" ? args.id : "";
  if (name === "lookup_ticket") {
    return { content: [{ type: "text", text: `Ticket ${id}: "Login page times out", status BLOCKED-ON-REVIEW.` }] };
  }
  if (name === "close_ticket") return { content: [{ type: "text", text: `Ticket ${id} closed.` }] };
  return undefined;
}

function send(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

function handle(message) {
  const { id, method, params } = message;
  // Notifications (no id) need no answer: notifications/initialized, notifications/cancelled.
  if (id === undefined || id === null) return;
  switch (method) {
    case "initialize":
      send({
        id,
        result: {
          // Answer with the version the client asked for: this server's few messages are the same in all of them.
          protocolVersion: params?.protocolVersion ?? "2025-06-18",
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: "tickets", version: "1.0.0" },
        },
      });
      return;
    case "ping":
      send({ id, result: {} });
      return;
    case "tools/list":
      send({ id, result: { tools: TOOLS } });
      return;
    case "tools/call": {
      if (CALL_LOG) appendFileSync(CALL_LOG, `${JSON.stringify({ name: params?.name, arguments: params?.arguments })}\n`);
      const result = callTool(params?.name, params?.arguments);
      if (result) send({ id, result });
      else send({ id, error: { code: -32602, message: `Unknown tool: ${String(params?.name)}` } });
      return;
    }
    default:
      send({ id, error: { code: -32601, message: `Method not found: ${String(method)}` } });
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    send({ id: null, error: { code: -32700, message: "Parse error" } });
    return;
  }
  handle(message);
});
// The client closing stdin is how a stdio MCP server is told to stop.
lines.on("close", () => process.exit(0));
