import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { StoreUrlError, parseStoreUrl, redact } from "../../src/store/store-url.js";

const logger = pino({ level: "silent" });

describe("parseStoreUrl", () => {
  it("reads the three supported kinds", () => {
    expect(parseStoreUrl("memory://")).toEqual({ kind: "memory" });
    expect(parseStoreUrl("sqlite://./data/threadpilot.sqlite")).toEqual({ kind: "sqlite", path: "./data/threadpilot.sqlite" });
    expect(parseStoreUrl("sqlite:///var/lib/tp/state.sqlite")).toEqual({ kind: "sqlite", path: "/var/lib/tp/state.sqlite" });
    expect(parseStoreUrl("redis://cache:6380/3")).toMatchObject({ kind: "redis", db: 3 });
    expect(parseStoreUrl(" redis://127.0.0.1:6379 ")).toMatchObject({ kind: "redis", db: 0 });
  });

  it.each([
    ["", /empty/],
    ["postgres://db/x", /not supported; expected sqlite:\/\/path, redis:\/\/host:port\[\/db\] or memory:\/\//],
    ["./data/file.sqlite", /not supported/],
    ["sqlite://", /names no SQLite file/],
    ["memory://extra", /exactly memory:\/\//],
    ["redis://host:6379/zero", /database "zero" in STORE_URL is not a number/],
    ["redis://:6379", /not a valid Redis URL|names no Redis host/],
  ])("rejects %j with one clear sentence", (url, message) => {
    expect(() => parseStoreUrl(url)).toThrow(StoreUrlError);
    expect(() => parseStoreUrl(url)).toThrow(message);
  });

  it("never repeats a password in errors or logs", () => {
    expect(redact("redis://user:s3cret@host:6379/1")).toBe("redis://user:***@host:6379/1");
    expect(redact("redis://:s3cret@host:6379")).toBe("redis://***@host:6379");
    expect(() => parseStoreUrl("mongo://u:s3cret@host")).toThrow(/^(?!.*s3cret)/);
  });
});

describe("openStore failures", () => {
  it("says which Redis it could not reach", async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
      });
    });
    await expect(openStore(`redis://:pw@127.0.0.1:${port}`, logger)).rejects.toThrow(
      new RegExp(`^Could not connect to the Redis store at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port}`),
    );
  });

  it("says which SQLite file it could not open", async () => {
    // The parent "directory" is a regular file, so neither mkdir nor SQLite can use the path.
    const dir = mkdtempSync(join(tmpdir(), "threadpilot-badpath-"));
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "this is not a SQLite database, just some text that fills the header page ".repeat(20));
    try {
      await expect(openStore(`sqlite://${blocker}/state.sqlite`, logger)).rejects.toThrow(
        /^Could not create the directory for the SQLite store at .*not-a-dir\/state\.sqlite/,
      );
      await expect(openStore(`sqlite://${blocker}`, logger)).rejects.toThrow(/^Could not open the SQLite store at .*not-a-dir/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
