/** The fake model's wire format, checked with plain HTTP (the runtime tests check it with the real runtime). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chunkText, DEFAULT_FALLBACK_TEXT, startFakeModel, type FakeModel } from "../support/fake-model/server.js";

let fake: FakeModel;

beforeAll(async () => {
  fake = await startFakeModel();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.reset();
  fake.setFallback({ text: DEFAULT_FALLBACK_TEXT });
});

// Loose JSON: the tests read OpenAI shapes field by field.
const json = async (response: Response): Promise<any> => response.json();

const post = (body: object, path = "/chat/completions") =>
  fetch(`${fake.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The JSON payloads of an SSE body, and whether it ended with [DONE]. */
async function sse(response: Response): Promise<{ chunks: any[]; done: boolean }> {
  const lines = (await response.text()).split("\n").filter((l) => l.startsWith("data: "));
  const done = lines.at(-1) === "data: [DONE]";
  return { chunks: lines.filter((l) => l !== "data: [DONE]").map((l) => JSON.parse(l.slice(6))), done };
}

describe("fake model server", () => {
  it("streams scripted text in chunks of words and finishes with [DONE]", async () => {
    fake.script({ text: "one two three four five", chunk: { size: 2, unit: "words" } });
    const response = await post({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const { chunks, done } = await sse(response);
    expect(done).toBe(true);
    const contents = chunks.map((c) => c.choices[0]?.delta?.content).filter((c) => c);
    expect(contents).toEqual(["one two ", "three four ", "five"]);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    expect(fake.requests[0]!.body.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(await fake.requests[0]!.settled).toBe("completed");
  });

  it("streams tool calls with JSON arguments and finish_reason tool_calls", async () => {
    fake.script({ toolCalls: [{ name: "lookup", arguments: { q: "x" } }] });
    const { chunks } = await sse(await post({ stream: true, messages: [] }));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: "call_1", function: { name: "lookup" } });
    expect(JSON.parse(calls.map((c: any) => c.function.arguments).join(""))).toEqual({ q: "x" });
    expect(chunks.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  it("answers HTTP failures with an OpenAI error body and retry-after", async () => {
    fake.script({ fail: { kind: "status", status: 429, message: "slow down", retryAfterSeconds: 3 } });
    const response = await post({ stream: true });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(await response.json()).toEqual({ error: { message: "slow down", type: "rate_limit_exceeded", code: "rate_limit_exceeded" } });
  });

  it("drops the connection mid-stream after the scripted characters", async () => {
    fake.script({ text: "abcdefghij", chunk: { size: 1, unit: "chars" }, fail: { kind: "drop", afterChars: 4 } });
    const response = await post({ stream: true });
    await expect(response.text()).rejects.toThrow();
    expect(await fake.requests[0]!.settled).toBe("dropped");
    expect(fake.requests[0]!.charsSent).toBe(4);
  });

  it("answers non-streaming requests with a whole completion", async () => {
    fake.script({ text: "whole answer" });
    const body = await json(await post({ stream: false }));
    expect(body.choices[0].message).toEqual({ role: "assistant", content: "whole answer" });
  });

  it("uses a script function with the recorded request, then the fallback", async () => {
    fake.script((request) => ({ text: `you said ${request.body.messages?.[0]?.content}` }));
    const first = await json(await post({ messages: [{ role: "user", content: "ping" }] }));
    const second = await json(await post({}));
    expect(first.choices[0].message.content).toBe("you said ping");
    expect(second.choices[0].message.content).toBe(DEFAULT_FALLBACK_TEXT);
  });

  it("lists a model and says 404 for other routes", async () => {
    expect((await json(await fetch(`${fake.url}/models`))).data[0].id).toBe("fake-model");
    expect((await fetch(`${fake.url}/embeddings`, { method: "POST" })).status).toBe(404);
  });

  it("waits for requests", async () => {
    const waiting = fake.waitForRequests(2);
    await post({});
    await post({});
    expect((await waiting).map((r) => r.index)).toEqual([0, 1]);
  });

  it("cuts text into word and character chunks without losing any of it", () => {
    const text = "  leading space, two  spaces\nand a newline ";
    expect(chunkText(text, { size: 1, unit: "words" }).join("")).toBe(text);
    expect(chunkText(text, { size: 3, unit: "chars" }).join("")).toBe(text);
    expect(chunkText("", undefined)).toEqual([]);
  });
});
