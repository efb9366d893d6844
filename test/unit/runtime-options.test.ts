import type { PermissionRequest } from "@github/copilot-sdk";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { resolveRuntimeOptions, runtimeEnvironment } from "../../src/runtime/options.js";
import { ownToolsOnly } from "../../src/runtime/safe-defaults.js";

const base = { model: "m", systemMessage: "s", vision: false, homeDirectory: "/tmp/copilot-home", logger: pino({ level: "silent" }) };

describe("resolveRuntimeOptions", () => {
  it("defaults to the bot's own tools only, no sub-agents, the reference's retry policy", () => {
    const o = resolveRuntimeOptions(base);
    expect(o.availableTools).toEqual(["custom:*"]);
    expect(o.excludedTools).toEqual(["task"]);
    expect(o.retry).toEqual({ attempts: 3, baseDelayMs: 3_000, maxDelayMs: 30_000 });
    expect(o.onPermissionRequest).toBe(ownToolsOnly);
  });

  it("offers the skill tool when skills are configured, and passes a given tool list through", () => {
    expect(resolveRuntimeOptions({ ...base, skillDirectories: ["/skills"] }).availableTools).toEqual(["custom:*", "builtin:skill"]);
    expect(resolveRuntimeOptions({ ...base, availableTools: ["builtin:view"] }).availableTools).toEqual(["builtin:view"]);
    expect(resolveRuntimeOptions({ ...base, retry: { attempts: 1 } }).retry.attempts).toBe(1);
  });

  it("rejects a missing model and a retry policy without attempts, saying what is wrong", () => {
    expect(() => resolveRuntimeOptions({ ...base, model: " " })).toThrow(/model/);
    expect(() => resolveRuntimeOptions({ ...base, retry: { attempts: 0 } })).toThrow(/attempts/);
  });
});

describe("ownToolsOnly", () => {
  const ask = (request: object) => ownToolsOnly(request as PermissionRequest, { sessionId: "s" });

  it("approves the bot's own tools and refuses the rest without ending the turn", () => {
    expect(ask({ kind: "custom-tool", toolName: "advisor", toolDescription: "" })).toEqual({ kind: "approve-once" });
    for (const kind of ["shell", "write", "read", "url", "mcp"]) {
      expect(ask({ kind })).toEqual({ kind: "user-not-available" });
    }
  });
});

describe("runtimeEnvironment", () => {
  it("passes what the runtime needs and keeps chat tokens out", () => {
    const env = runtimeEnvironment({
      PATH: "/bin",
      HOME: "/home/bot",
      HTTPS_PROXY: "http://proxy",
      COPILOT_HOME: "/data",
      SLACK_BOT_TOKEN: "xoxb-secret",
      DISCORD_TOKEN: "secret",
      GITHUB_TOKEN: "ghp_secret",
      COPILOT_PROVIDER_API_KEY: "sk-secret",
      GH_HOST: "example.ghe.com",
      UNSET: undefined,
    });
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/home/bot",
      HTTPS_PROXY: "http://proxy",
      COPILOT_HOME: "/data",
      GH_HOST: "example.ghe.com",
    });
  });
});
