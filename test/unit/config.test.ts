import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

const slackSocket = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_APP_TOKEN: "xapp-1-abc" };
const byok = { COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9/v1", COPILOT_MODEL: "fake-model" };

function problemsOf(env: NodeJS.ProcessEnv, readFile?: (p: string) => string) {
  try {
    loadConfig(env, readFile);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("lists every problem of an empty environment at once", () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.variable)).toEqual(["SLACK_BOT_TOKEN / DISCORD_TOKEN / WEB_CHAT_PORT", "GITHUB_TOKEN"]);
    const message = new ConfigError(problems).message;
    expect(message).toContain("2 configuration problem(s)");
    expect(message).toContain(".env.example");
  });

  it("accepts Slack Socket Mode with a BYOK model and fills defaults", () => {
    const config = loadConfig({ ...slackSocket, ...byok });
    expect(config.slack).toEqual({
      botToken: "xoxb-1-2-abc",
      appToken: "xapp-1-abc",
      apiUrl: "https://slack.com/api/",
      port: 3000,
      nativeStreaming: true,
    });
    expect(config.discord).toBeUndefined();
    expect(config.copilot.provider).toEqual({ type: "openai", baseUrl: "http://127.0.0.1:9/v1" });
    expect(config.copilot.retry).toEqual({ attempts: 3, baseDelayMs: 3000, maxDelayMs: 30000 });
    expect(config.store.url).toBe("sqlite://data/threadpilot.sqlite");
    expect(config.dataDirectory).toBe("./data");
    expect(config.copilot.homeDirectory).toBe("data/copilot");
    expect(config.copilot.workingDirectory).toBe("data/repos");
    expect(config.copilot.signIn).toEqual({ kind: "byok" });
    expect(config.answering).toEqual({ threadFollowups: true, otherBots: false });
    expect(config.health.port).toBeUndefined();
  });

  it("reads the usage limits in AI credits, none by default, and refuses a per-answer limit the runtime would refuse", () => {
    expect(loadConfig({ ...slackSocket, ...byok }).safety.usage).toEqual({});
    expect(loadConfig({ ...slackSocket, ...byok, MAX_CREDITS_PER_ANSWER: "30", DAILY_CREDITS_PER_WORKSPACE: "250.5" }).safety.usage).toEqual({
      creditsPerAnswer: 30,
      dailyCredits: 250.5,
    });
    const problems = problemsOf({ ...slackSocket, ...byok, MAX_CREDITS_PER_ANSWER: "5", DAILY_CREDITS_PER_WORKSPACE: "lots" });
    expect(problems).toEqual([
      { variable: "MAX_CREDITS_PER_ANSWER", message: expect.stringMatching(/at least 30 AI credits.*smallest per-session limit is 30/) },
      { variable: "DAILY_CREDITS_PER_WORKSPACE", message: "must be a number of AI credits" },
    ]);
  });

  it("accepts Discord alone with a GitHub token", () => {
    const config = loadConfig({ DISCORD_TOKEN: "abc.def.ghi", GITHUB_TOKEN: "ghp_x", DISCORD_OPEN_THREAD: "yes" });
    expect(config.slack).toBeUndefined();
    expect(config.discord).toEqual({ token: "abc.def.ghi", apiUrl: "https://discord.com/api", openThread: true, commandGuildIds: [] });
  });

  it("reads DISCORD_GUILD_IDS as guild ids and refuses anything else in one sentence", () => {
    const base = { DISCORD_TOKEN: "abc.def.ghi", GITHUB_TOKEN: "ghp_x" };
    expect(loadConfig({ ...base, DISCORD_GUILD_IDS: "123456789012345678, 223456789012345678" }).discord?.commandGuildIds).toEqual([
      "123456789012345678",
      "223456789012345678",
    ]);
    expect(() => loadConfig({ ...base, DISCORD_GUILD_IDS: "my-server" })).toThrow(/DISCORD_GUILD_IDS.*guild/);
  });

  it("keeps everything on disk under DATA_DIR unless a variable moves a part", () => {
    const config = loadConfig({ ...slackSocket, ...byok, DATA_DIR: "/var/lib/threadpilot", REPOS_DIR: "/srv/repos" });
    expect(config.store.url).toBe("sqlite:///var/lib/threadpilot/threadpilot.sqlite");
    expect(config.copilot.homeDirectory).toBe("/var/lib/threadpilot/copilot");
    expect(config.copilot.workingDirectory).toBe("/srv/repos");
  });

  it("reads the Copilot token in the runtime's order, and signs in as the CLI user only when asked", () => {
    const all = { COPILOT_GITHUB_TOKEN: "gho_a", GH_TOKEN: "gho_b", GITHUB_TOKEN: "gho_c" };
    expect(loadConfig({ ...slackSocket, ...all }).copilot.signIn).toEqual({ kind: "token", token: "gho_a", variable: "COPILOT_GITHUB_TOKEN" });
    expect(loadConfig({ ...slackSocket, GH_TOKEN: "gho_b", GITHUB_TOKEN: "gho_c" }).copilot.signIn).toMatchObject({ variable: "GH_TOKEN" });
    expect(loadConfig({ ...slackSocket, GITHUB_TOKEN: "gho_c" }).copilot.signIn).toMatchObject({ variable: "GITHUB_TOKEN" });
    const cli = loadConfig({ ...slackSocket, COPILOT_USE_LOGGED_IN_USER: "true", HOME: "/home/bot" });
    expect(cli.copilot.signIn).toEqual({ kind: "logged-in-user" });
    // `copilot login` keeps its sign-in in the user's ~/.copilot: the runtime must look there.
    expect(cli.copilot.homeDirectory).toBe("/home/bot/.copilot");
    expect(problemsOf({ ...slackSocket, COPILOT_USE_LOGGED_IN_USER: "false" }).map((p) => p.variable)).toEqual(["GITHUB_TOKEN"]);
  });

  it("explains malformed values, naming the variable", () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: "xapp-wrong",
      SLACK_APP_TOKEN: "xoxb-wrong",
      GITHUB_TOKEN: "x",
      STORE_URL: "postgres://db",
      HEALTH_PORT: "eighty",
      LOG_LEVEL: "loud",
      ANSWER_OTHER_BOTS: "maybe",
      SLACK_API_URL: "not a url",
    });
    const byName = Object.fromEntries(problems.map((p) => [p.variable, p.message]));
    expect(byName.SLACK_BOT_TOKEN).toMatch(/xoxb-/);
    expect(byName.SLACK_APP_TOKEN).toMatch(/xapp-/);
    expect(byName.STORE_URL).toMatch(/sqlite:\/\//);
    expect(byName.HEALTH_PORT).toMatch(/port/);
    expect(byName.LOG_LEVEL).toMatch(/info/);
    expect(byName.ANSWER_OTHER_BOTS).toMatch(/true or false/);
    expect(byName.SLACK_API_URL).toMatch(/URL/);
  });

  it("requires a model with BYOK and a mode for Slack", () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: "xoxb-1", COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:1/v1" });
    expect(problems.map((p) => p.variable).sort()).toEqual(["COPILOT_MODEL", "SLACK_APP_TOKEN"]);
  });

  it("reads the system prompt from a file, and reports an unreadable one", () => {
    const files: Record<string, string> = { "/prompts/bot.md": "  Be brief.  " };
    const read = (p: string) => {
      const text = files[p];
      if (text === undefined) throw new Error("ENOENT");
      return text;
    };
    const config = loadConfig({ ...slackSocket, ...byok, SYSTEM_PROMPT_FILE: "/prompts/bot.md" }, read);
    expect(config.copilot.systemMessage).toBe("Be brief.");
    const problems = problemsOf({ ...slackSocket, ...byok, SYSTEM_PROMPT_FILE: "/nope.md" }, read);
    expect(problems).toEqual([{ variable: "SYSTEM_PROMPT_FILE", message: expect.stringContaining("/nope.md") }]);
  });

  it("never puts a secret value into a problem message", () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: "sekrit-token-value-123", GITHUB_TOKEN: "ghp_secret_value_456" });
    const text = new ConfigError(problems).message;
    expect(text).not.toContain("sekrit-token-value-123");
    expect(text).not.toContain("ghp_secret_value_456");
  });

  it("parses numbers, lists and booleans", () => {
    const config = loadConfig({
      ...slackSocket,
      ...byok,
      HEALTH_PORT: "9464",
      SKILL_DIRS: " ./skills , /opt/skills ,",
      COPILOT_RETRY_BASE_DELAY_MS: "10",
      COPILOT_RETRY_MAX_DELAY_MS: "20",
      COPILOT_VISION: "true",
    });
    expect(config.health.port).toBe(9464);
    expect(config.copilot.skillDirectories).toEqual(["./skills", "/opt/skills"]);
    expect(config.copilot.retry).toEqual({ attempts: 3, baseDelayMs: 10, maxDelayMs: 20 });
    expect(config.copilot.vision).toBe(true);
  });
});

describe("loadConfig: logs and shutdown", () => {
  it("leaves LOG_FORMAT to the terminal when unset, accepts pretty or json, and names it when wrong", () => {
    expect(loadConfig({ ...slackSocket, ...byok }).log).toEqual({ level: "info" });
    expect(loadConfig({ ...slackSocket, ...byok, LOG_FORMAT: "pretty" }).log.format).toBe("pretty");
    expect(loadConfig({ ...slackSocket, ...byok, LOG_FORMAT: " json " }).log.format).toBe("json");
    const problems = problemsOf({ ...slackSocket, ...byok, LOG_FORMAT: "text" });
    expect(problems).toEqual([{ variable: "LOG_FORMAT", message: "must be pretty or json" }]);
  });

  it("defaults SHUTDOWN_GRACE_MS to a grace that fits Docker's 10 s stop timeout with room to close", () => {
    expect(loadConfig({ ...slackSocket, ...byok }).shutdown.graceMs).toBe(8000);
  });
});

it("SLACK_NATIVE_STREAMING=false turns Slack's native streaming off", () => {
  const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1", COPILOT_GITHUB_TOKEN: "gho_x", SLACK_NATIVE_STREAMING: "false" });
  expect(config.slack?.nativeStreaming).toBe(false);
});

describe("MCP settings", () => {
  it("reads TOOL_POLICY's mode and MCP tool names, MCP_CONFIG's path, and GITHUB_MCP (off by default)", () => {
    const config = loadConfig({ ...slackSocket, GITHUB_TOKEN: "github_pat_x", TOOL_POLICY: "read-only,tickets/lookup_ticket", MCP_CONFIG: "/etc/mcp.json" });
    expect(config.safety.toolPolicy).toBe("read-only");
    expect(config.safety.mcpTools).toEqual([{ server: "tickets", tool: "lookup_ticket" }]);
    expect(config.mcp).toEqual({ configPath: "/etc/mcp.json", github: "off" });
    expect(loadConfig({ ...slackSocket, GITHUB_TOKEN: "github_pat_x", GITHUB_MCP: "read-only" }).mcp.github).toBe("read-only");
  });

  it("names TOOL_POLICY and GITHUB_MCP when they are wrong; GITHUB_MCP needs a GitHub sign-in, not BYOK", () => {
    expect(problemsOf({ ...slackSocket, ...byok, TOOL_POLICY: "tickets" })).toEqual([
      { variable: "TOOL_POLICY", message: expect.stringContaining("server/tool or server/*") },
    ]);
    expect(problemsOf({ ...slackSocket, ...byok, GITHUB_MCP: "write" })).toEqual([
      { variable: "GITHUB_MCP", message: "must be off or read-only" },
    ]);
    expect(problemsOf({ ...slackSocket, ...byok, GITHUB_MCP: "read-only" })).toEqual([
      { variable: "GITHUB_MCP", message: expect.stringContaining("needs a GitHub sign-in") },
    ]);
  });
});
