import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Process-level tests run dist/main.js, as `npm start` does: build it first when the sources changed.
    globalSetup: ["test/support/build-once.ts"],
    // Integration tests start the real Copilot runtime and fake platform servers: give them room on a 2-core CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
