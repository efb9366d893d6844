/**
 * MCP servers from configuration, end to end: the real bot process (`node dist/main.js`) with only what a user
 * sets (MCP_CONFIG naming a small stdio MCP server from test/support, TOOL_POLICY naming one of its tools), the
 * fake Slack and the fake model. The model calls the named tool: it runs in the MCP server, its result reaches
 * the answer, the status line names it, and the call is logged without its arguments or result. The model calls
 * the server's other tool, which the policy does not name: it is refused, the answer says so, and the server
 * never sees the call.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotProcess, botEnvironment, type LogLine } from "../support/bot-process.js";
import { messageText, startFakeModel, type FakeModel, type RecordedRequest, type Script } from "../support/fake-model/server.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

const TICKETS_SERVER = resolve(fileURLToPath(new URL("../support/mcp-server/tickets-server.mjs", import.meta.url)));
/** Distinctive, so a log line carrying the arguments or the result would be found. */
const TICKET_ID = "TP-4412-ARGUMENT";
const TICKET_TEXT = "BLOCKED-ON-REVIEW";

let slack: FakeSlack;
let model: FakeModel;
let bot: BotProcess | undefined;
let dir: string;
let callLog: string;

beforeAll(async () => {
  [slack, model] = await Promise.all([startFakeSlack(), startFakeModel()]);
  slack.addChannel({ id: "C1", name: "general" });
  slack.addUser({ id: "U1", name: "alice", displayName: "Alice" });
  dir = mkdtempSync(join(tmpdir(), "threadpilot-mcp-"));
  callLog = join(dir, "calls.log");
  const config = join(dir, "mcp.json");
  writeFileSync(
    config,
    JSON.stringify({ tickets: { command: process.execPath, args: [TICKETS_SERVER], env: { TICKETS_CALL_LOG: callLog } } }, null, 2),
  );
  bot = await BotProcess.start({
    name: "mcp-bot",
    env: botEnvironment({
      slackApiUrl: slack.apiUrl,
      botToken: slack.botToken,
      appToken: slack.appToken,
      modelUrl: model.url,
      storeUrl: "memory://",
      extra: { MCP_CONFIG: config, TOOL_POLICY: "tickets/lookup_ticket" },
    }),
    readyTimeoutMs: 120_000,
  });
  await slack.waitForSocket(1);
}, 180_000);

afterAll(async () => {
  await bot?.kill();
  bot?.cleanup();
  await Promise.all([slack?.close(), model?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The model's second call: it answers with what the tool gave back, so the answer shows the tool's result. */
const echoToolResults = (request: RecordedRequest): Script => {
  const results = (request.body.messages ?? []).filter((m) => m.role === "tool").map((m) => messageText(m));
  return { text: `The tool said: ${results.join(" | ")}` };
};

async function ask(text: string, expected: string): Promise<{ threadTs: string; reply: string }> {
  const posted = slack.userSays({ channel: "C1", user: "U1", text: `<@${slack.botUserId}> ${text}` });
  const threadTs = posted.message.ts;
  const replyText = () => slack.botReplies("C1", threadTs).map((m) => m.text).join("\n");
  await slack.waitFor(() => replyText().includes(expected), 60_000, `an answer with "${expected}"`);
  return { threadTs, reply: replyText() };
}

const serverCalls = (): Array<{ name: string; arguments: unknown }> =>
  existsSync(callLog) ? readFileSync(callLog, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)) : [];

const toolLines = (): LogLine[] => bot!.logs.filter((line) => line.component === "tool-calls");

describe("MCP tools from MCP_CONFIG, governed by TOOL_POLICY", () => {
  it("runs the named tool in the MCP server, and its result reaches the answer", async () => {
    model.reset();
    model.script({ toolCalls: [{ name: "tickets-lookup_ticket", arguments: { id: TICKET_ID } }] }, echoToolResults);
    const { threadTs, reply } = await ask("what is blocking the login fix?", TICKET_TEXT);

    expect(reply).toContain(`Ticket ${TICKET_ID}: "Login page times out", status ${TICKET_TEXT}.`);
    expect(serverCalls()).toEqual([{ name: "lookup_ticket", arguments: { id: TICKET_ID } }]);
    // Offered to the model: the named tool only, not the server's other tool.
    const offered = (model.requests[0]!.body.tools ?? []).map((t) => t.function.name);
    expect(offered).toContain("tickets-lookup_ticket");
    expect(offered).not.toContain("tickets-close_ticket");

    // The status line named the tool as TOOL_POLICY does.
    await slack.waitFor(() => slack.assistantThread("C1", threadTs)?.statuses.at(-1)?.status === "", 10_000, "the cleared status");
    const said = slack.assistantThread("C1", threadTs)!.statuses.map((s) => s.loadingMessages[0] ?? "");
    expect(said).toContain("Running tickets/lookup_ticket…");

    // Logged through the hooks: who asked, which tool, allowed, how long; no arguments, no result.
    await slack.waitFor(() => toolLines().some((l) => l.msg === "Tool call finished"), 10_000, "the finished line");
    expect(toolLines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: "Tool call", tool: "tickets/lookup_ticket", decision: "allowed", requester: "Alice" }),
        expect.objectContaining({ msg: "Tool call finished", tool: "tickets/lookup_ticket", outcome: "success", ms: expect.any(Number) }),
      ]),
    );
    const everything = [...bot!.logs.map((line) => JSON.stringify(line)), ...bot!.output].join("\n");
    expect(everything).not.toContain(TICKET_ID);
    expect(everything).not.toContain(TICKET_TEXT);
  });

  it("refuses a tool of the server the policy does not name: the answer says so, the server never sees it", async () => {
    model.reset();
    const before = serverCalls().length;
    model.script({ toolCalls: [{ name: "tickets-close_ticket", arguments: { id: TICKET_ID } }] }, echoToolResults);
    const { reply } = await ask("close the login ticket", "does not allow");

    expect(reply).toContain("The tool policy does not allow tickets/close_ticket");
    expect(serverCalls()).toHaveLength(before);
    expect(serverCalls().map((call) => call.name)).not.toContain("close_ticket");
    expect(toolLines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: "Tool call refused by the tool policy", tool: "tickets/close_ticket", decision: "refused", requester: "Alice" }),
      ]),
    );
  });
});
