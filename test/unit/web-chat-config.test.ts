import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { playgroundEnvironment } from "../../src/config/playground.js";
import { SECRET_VARIABLES } from "../../src/config/schema.js";

const byok = { COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9/v1", COPILOT_MODEL: "fake-model" };
const TOKEN = "0123456789abcdef0123";

function problemsOf(env: NodeJS.ProcessEnv) {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("web chat configuration", () => {
  it("is off by default", () => {
    expect(loadConfig({ DISCORD_TOKEN: "x", ...byok }).webChat).toBeUndefined();
  });

  it("counts as a chat platform on its own, on 127.0.0.1 by default", () => {
    const config = loadConfig({ WEB_CHAT_PORT: "8787", ...byok });
    expect(config.webChat).toEqual({ port: 8787, host: "127.0.0.1" });
    expect(config.slack).toBeUndefined();
    expect(config.discord).toBeUndefined();
  });

  it("needs WEB_CHAT_TOKEN off loopback, and says so in one sentence", () => {
    const problems = problemsOf({ WEB_CHAT_PORT: "8787", WEB_CHAT_HOST: "0.0.0.0", ...byok });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe("WEB_CHAT_TOKEN");
    expect(problems[0]!.message).toMatch(/^is required when WEB_CHAT_HOST \(0\.0\.0\.0\) is not a loopback address/);
    expect(loadConfig({ WEB_CHAT_PORT: "8787", WEB_CHAT_HOST: "0.0.0.0", WEB_CHAT_TOKEN: TOKEN, ...byok }).webChat).toEqual({
      port: 8787,
      host: "0.0.0.0",
      token: TOKEN,
    });
    for (const host of ["localhost", "::1", "127.0.0.2"]) {
      expect(loadConfig({ WEB_CHAT_PORT: "1", WEB_CHAT_HOST: host, ...byok }).webChat?.host).toBe(host);
    }
  });

  it("refuses a short token, a bad port, and a token without a port", () => {
    expect(problemsOf({ WEB_CHAT_PORT: "8787", WEB_CHAT_TOKEN: "short", ...byok }).map((p) => p.variable)).toEqual(["WEB_CHAT_TOKEN"]);
    expect(problemsOf({ WEB_CHAT_PORT: "http", ...byok })).toEqual([{ variable: "WEB_CHAT_PORT", message: "must be a port number" }]);
    expect(problemsOf({ WEB_CHAT_PORT: "70000", ...byok })).toEqual([{ variable: "WEB_CHAT_PORT", message: "must be a port number" }]);
    expect(problemsOf({ DISCORD_TOKEN: "x", WEB_CHAT_TOKEN: TOKEN, ...byok }).map((p) => p.variable)).toEqual(["WEB_CHAT_PORT"]);
  });

  it("treats the token as a secret (never logged)", () => {
    expect(SECRET_VARIABLES).toContain("WEB_CHAT_TOKEN");
  });
});

describe("the playground's environment", () => {
  it("keeps the model settings, drops Slack and Discord, and fills the web chat's defaults", () => {
    const env = playgroundEnvironment({
      ...byok,
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_APP_TOKEN: "xapp-1",
      DISCORD_TOKEN: "d",
      GITHUB_TOKEN: "g",
    });
    expect(env).toEqual({
      ...byok,
      GITHUB_TOKEN: "g",
      WEB_CHAT_PORT: "8787",
      STORE_URL: "sqlite://data/playground.sqlite",
      LOG_LEVEL: "warn",
    });
    const config = loadConfig(env);
    expect(config.webChat).toEqual({ port: 8787, host: "127.0.0.1" });
    expect(config.slack).toBeUndefined();
    expect(config.discord).toBeUndefined();
  });

  it("lets the user choose the port, store and log level", () => {
    const env = playgroundEnvironment({ ...byok, WEB_CHAT_PORT: "9000", STORE_URL: "memory://", LOG_LEVEL: "debug" });
    expect(env).toMatchObject({ WEB_CHAT_PORT: "9000", STORE_URL: "memory://", LOG_LEVEL: "debug" });
  });

  it("still says what is missing without model credentials", () => {
    expect(problemsOf(playgroundEnvironment({})).map((p) => p.variable)).toEqual(["GITHUB_TOKEN"]);
  });
});
