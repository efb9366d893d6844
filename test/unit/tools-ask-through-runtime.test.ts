import { describe, expect, it } from "vitest";
import type { AnswerRequest } from "../../src/runtime/types.js";
import { askThroughRuntime } from "../../src/tools/ask-through-runtime.js";

describe("askThroughRuntime", () => {
  it("asks tool-less, with the advisor model, framed as a second opinion, and passes aborts on", async () => {
    const requests: AnswerRequest[] = [];
    const ask = askThroughRuntime(
      {
        runSession: async (request) => {
          requests.push(request);
          return "Use a queue.";
        },
      },
      { model: "strong" },
    );
    const controller = new AbortController();
    expect(await ask("how?", controller.signal)).toBe("Use a queue.");
    expect(requests[0]).toMatchObject({ tools: [], model: "strong" });
    expect(requests[0]!.prompt).toMatch(/second opinion[\s\S]*how\?$/);
    expect(requests[0]!.signal!.aborted).toBe(false);
    controller.abort();
    expect(requests[0]!.signal!.aborted).toBe(true);
  });

  it("uses the runtime's own model when none is configured", async () => {
    const requests: AnswerRequest[] = [];
    await askThroughRuntime({
      runSession: async (r) => {
        requests.push(r);
        return "";
      },
    })("q");
    expect(requests[0]!.model).toBeUndefined();
    expect(requests[0]!.signal).toBeDefined();
  });
});
