/**
 * Every tool call of a session, seen through the SDK's hooks: one log line when the model asks (who asked, which
 * tool, allowed or refused) and one when the tool is done (how long it took, whether it worked). An MCP tool the
 * tool policy does not name is denied here, before the runtime calls the server: the runtime runs an MCP tool
 * marked read-only without asking the permission handler, so the hook is the gate that sees every call.
 * Arguments and results are logged at debug level only (the logger still scrubs tokens from them).
 */
import type { SessionHooks } from "@github/copilot-sdk";
import type { Logger } from "pino";
import type { McpToolName } from "../safety/mcp-tool-names.js";
import { displayMcpToolName } from "./tool-names.js";

export interface ToolCallGate {
  /** For an MCP tool's wire name: which tool and whether the policy names it; undefined for other tools. */
  mcpDecision(wireName: string): { name: McpToolName; allowed: boolean } | undefined;
  /** Whether the session offers a (non-MCP) tool; one it does not offer "does not exist" for the model. */
  offers(toolName: string): boolean;
}

export interface ToolCallContext {
  /** Who asked: the author of the message being answered. */
  requester?: string;
  threadKey?: string;
}

/** What the model reads when a call is refused; the fake model in the tests passes it on to the answer. */
export function refusalReason(name: string): string {
  return `The tool policy does not allow ${name}: an administrator can name it in TOOL_POLICY.`;
}

/** Debug lines keep at most this much of an argument or result. */
const DEBUG_TEXT_LIMIT = 2_000;

export function toolCallHooks(gate: ToolCallGate, logger: Logger, context: ToolCallContext): SessionHooks {
  const log = logger.child({
    component: "tool-calls",
    ...(context.requester ? { requester: context.requester } : {}),
    ...(context.threadKey ? { threadKey: context.threadKey } : {}),
  });
  // The hooks carry no call id: a call is matched to its end by tool name and arguments, oldest first.
  const started = new Map<string, number[]>();
  const keyOf = (toolName: string, args: unknown) => `${toolName}\u0000${safeJson(args)}`;
  const finish = (toolName: string, args: unknown): number | undefined => {
    const key = keyOf(toolName, args);
    const times = started.get(key);
    const at = times?.shift();
    if (times && times.length === 0) started.delete(key);
    return at === undefined ? undefined : Date.now() - at;
  };

  return {
    onPreToolUse: (input) => {
      const mcp = gate.mcpDecision(input.toolName);
      const tool = mcp ? displayMcpToolName(mcp.name) : input.toolName;
      if (log.isLevelEnabled("debug")) log.debug({ tool, arguments: clip(safeJson(input.toolArgs)) }, "Tool call arguments");
      if (mcp && !mcp.allowed) {
        log.info({ tool, decision: "refused" }, "Tool call refused by the tool policy");
        return { permissionDecision: "deny", permissionDecisionReason: refusalReason(tool) };
      }
      // Other tools are decided by what the session offers (the runtime answers "does not exist" for the rest)
      // and by the permission handler, which logs its own refusals.
      if (!mcp && !gate.offers(input.toolName)) {
        log.info({ tool, decision: "refused", reason: "not offered" }, "Tool call refused by the tool policy");
        return undefined;
      }
      log.info({ tool, decision: "allowed" }, "Tool call");
      const key = keyOf(input.toolName, input.toolArgs);
      started.set(key, [...(started.get(key) ?? []), Date.now()]);
      return undefined;
    },
    onPostToolUse: (input) => {
      const tool = toolLabel(gate, input.toolName);
      const ms = finish(input.toolName, input.toolArgs);
      log.info({ tool, outcome: input.toolResult?.resultType ?? "success", ms }, "Tool call finished");
      if (log.isLevelEnabled("debug")) log.debug({ tool, result: clip(input.toolResult?.textResultForLlm ?? "") }, "Tool call result");
      return undefined;
    },
    onPostToolUseFailure: (input) => {
      const tool = toolLabel(gate, input.toolName);
      const ms = finish(input.toolName, input.toolArgs);
      log.info({ tool, outcome: "failure", ms }, "Tool call finished");
      if (log.isLevelEnabled("debug")) log.debug({ tool, error: clip(input.error) }, "Tool call error");
      return undefined;
    },
  };
}

function toolLabel(gate: ToolCallGate, wireName: string): string {
  const mcp = gate.mcpDecision(wireName);
  return mcp ? displayMcpToolName(mcp.name) : wireName;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  return text.length > DEBUG_TEXT_LIMIT ? `${text.slice(0, DEBUG_TEXT_LIMIT)}… (${text.length} characters)` : text;
}
