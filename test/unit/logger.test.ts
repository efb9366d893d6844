import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { createLogger, resolveLogFormat, type LogFormat } from "../../src/logging/logger.js";

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

describe.each<LogFormat>(["json", "pretty"])("createLogger (%s)", (format) => {
  it("redacts secret fields and scrubs known secret values from free text", () => {
    const { lines, stream } = capture();
    const secret = "xoxb-123456789-very-secret";
    const logger = createLogger({ level: "info", format, secrets: [secret], destination: stream });
    logger.info({ SLACK_BOT_TOKEN: secret, req: { headers: { authorization: `Bearer ${secret}` } } }, "starting");
    logger.error({ err: new Error(`request failed with header Bearer ${secret}`) }, `oops ${secret}`);
    logger.warn({ detail: { nested: `a token ${secret} in a field no redact path names` } }, "nested");
    const output = lines.join("");
    expect(output).toContain("starting");
    expect(output).toContain("nested");
    expect(output).toContain("[REDACTED]");
    expect(output).not.toContain(secret);
    // Pino-pretty must not undo the scrubbing by printing a part of the secret either.
    expect(output).not.toContain("very-secret");
  });
});

describe("log formats", () => {
  it("writes one JSON object a line in json format", () => {
    const { lines, stream } = capture();
    createLogger({ level: "info", format: "json", destination: stream }).info({ port: 8080 }, "listening");
    const parsed = JSON.parse(lines.join("")) as Record<string, unknown>;
    expect(parsed).toMatchObject({ msg: "listening", port: 8080, level: 30, app: "threadpilot" });
  });

  it("writes a readable line with the level and message first in pretty format", () => {
    const { lines, stream } = capture();
    createLogger({ level: "info", format: "pretty", destination: stream }).info({ port: 8080 }, "listening");
    const text = stripVTControlCharacters(lines.join(""));
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening\n/);
    expect(text).toContain("port: 8080");
  });

  it("picks pretty for a terminal and JSON otherwise, unless LOG_FORMAT says", () => {
    expect(resolveLogFormat(undefined, true)).toBe("pretty");
    expect(resolveLogFormat(undefined, false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
  });
});
