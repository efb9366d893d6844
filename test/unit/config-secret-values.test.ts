/** The log scrubber's secrets are the values the configuration uses: trimmed like the config trims them. */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { secretValuesOf } from "../../src/config/secret-values.js";
import { createLogger } from "../../src/logging/logger.js";

describe("secretValuesOf", () => {
  it("gives each secret variable trimmed, as the configuration reads it", () => {
    const env = {
      SLACK_BOT_TOKEN: "  xoxb-111-padded-token\n",
      SLACK_APP_TOKEN: "\txapp-1-padded-app-token ",
      GITHUB_TOKEN: "ghp_unpadded_value",
      COPILOT_MODEL: "  not-a-secret  ",
    };
    expect(secretValuesOf(env).sort()).toEqual(["ghp_unpadded_value", "xapp-1-padded-app-token", "xoxb-111-padded-token"]);
    // The very strings the code sends to the platforms.
    const config = loadConfig(env);
    expect(secretValuesOf(env)).toContain(config.slack!.botToken);
    expect(secretValuesOf(env)).toContain(config.slack!.appToken);
  });

  it("still hides a value the configuration rejects (wrong prefix), trimmed", () => {
    expect(secretValuesOf({ SLACK_BOT_TOKEN: "  wrong-prefix-secret  " })).toEqual(["wrong-prefix-secret"]);
  });

  it("skips unset and blank variables", () => {
    expect(secretValuesOf({ DISCORD_TOKEN: "   ", GITHUB_TOKEN: "" })).toEqual([]);
  });

  it("a token set with surrounding whitespace never reaches a log line in the form the code uses", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const env = { DISCORD_TOKEN: "  MTIz.discord-token-with-padding  " };
    const logger = createLogger({ level: "info", secrets: secretValuesOf(env), destination });
    // What a library echoes is the trimmed token the client was given.
    logger.error({ err: new Error("401 for Bot MTIz.discord-token-with-padding") }, "login failed");
    const output = lines.join("");
    expect(output).toContain("login failed");
    expect(output).not.toContain("MTIz.discord-token-with-padding");
  });
});
