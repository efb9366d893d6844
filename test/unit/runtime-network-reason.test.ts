/** The cause a start-up sentence gives for a server fetch cannot reach, as fetch really fails (loopback only). */
import { createServer } from "node:net";
import { fetch } from "undici";
import { expect, test } from "vitest";
import { networkReason } from "../../src/runtime/github-probe.js";
import { networkFailure } from "../../src/startup/network-failure.js";

async function failureOf(url: string): Promise<unknown> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    return error;
  }
  throw new Error(`${url} answered`);
}

test("a blocked port is said in words and counts as a network failure, not undici's bare 'bad port'", async () => {
  const error = await failureOf("http://127.0.0.1:9/v1");
  const sentence = "bad port: fetch refuses ports on the WHATWG blocked-port list, such as 9 and 6000; use another port";
  expect(networkReason(error)).toBe(sentence);
  expect(networkFailure(error)).toBe(sentence);
});

test("a closed port is named as the socket says it", async () => {
  // A port that was just free: listen, note it, close.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(networkReason(await failureOf(`http://127.0.0.1:${port}/`))).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
});

test("anything else is its innermost message", () => {
  expect(networkReason(new Error("fetch failed", { cause: new Error("odd") }))).toBe("odd");
  expect(networkReason("plain")).toBe("plain");
});
