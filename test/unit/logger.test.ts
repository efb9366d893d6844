import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("redacts secret fields and scrubs known secret values from free text", () => {
    const { lines, stream } = capture();
    const secret = "xoxb-123456789-very-secret";
    const logger = createLogger({ level: "info", secrets: [secret], destination: stream });
    logger.info({ SLACK_BOT_TOKEN: secret, req: { headers: { authorization: `Bearer ${secret}` } } }, "starting");
    logger.error({ err: new Error(`request failed with header Bearer ${secret}`) }, `oops ${secret}`);
    const output = lines.join("");
    expect(output).toContain("starting");
    expect(output).toContain("[REDACTED]");
    expect(output).not.toContain(secret);
  });
});
