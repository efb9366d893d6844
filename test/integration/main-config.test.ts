import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN } from "../support/bot-process.js";


/** Runs the real entry point in an empty directory (so no .env is read) with only `env`. */
function runMain(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), "threadpilot-main-"));
  return spawnSync(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("npm start without configuration", () => {
  it("exits 1 with one message listing what to set, and no stack trace", () => {
    const result = runMain({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("threadpilot cannot start: 2 configuration problem(s).");
    expect(result.stderr).toContain("SLACK_BOT_TOKEN");
    expect(result.stderr).toContain("GITHUB_TOKEN");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("names a malformed value without echoing a secret", () => {
    const result = runMain({ SLACK_BOT_TOKEN: "not-a-bot-token-secret", SLACK_APP_TOKEN: "xapp-1", GITHUB_TOKEN: "ghp_x" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("SLACK_BOT_TOKEN: must be a bot token starting with xoxb-");
    expect(result.stderr).not.toContain("not-a-bot-token-secret");
  });
});
