/**
 * The platform contract: what every platform must do, written once and run against each platform's fake with the
 * real adapter, the real core intake and the real Copilot runtime (as store-contract.test.ts does for stores).
 * A new platform passes this suite by adding a fixture to test/support/platform-fixtures.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_RATE_LIMIT_REPLY } from "../../src/safety/user-rate-limit.js";
import { DEFAULT_REFUSAL_REPLY } from "../../src/safety/access.js";
import { lastUserText } from "../support/fake-model/server.js";
import { discordFixture, slackFixture, type Conversation, type PlatformFixture } from "../support/platform-fixtures.js";

/** Text as a reader sees it, whatever the platform's markup: no formatting marks, no whitespace. */
const plain = (text: string) => text.replace(/[*_~`>]/g, "").replace(/\s+/g, "");

describe.each([
  ["Slack", slackFixture],
  ["Discord", discordFixture],
])("%s", (_name, start) => {
  let p: PlatformFixture;

  beforeAll(async () => {
    p = await start();
  }, 60_000);

  afterAll(async () => {
    await p?.close();
  });

  /** Waits until a bot message in the conversation satisfies `check`, then until the adapter is idle. */
  async function botSays(c: Conversation, check: (text: string) => boolean, what: string): Promise<string[]> {
    await p.waitFor(() => p.botTexts(c).some(check), what);
    await p.whenIdle();
    return p.botTexts(c);
  }

  /** A conversation whose answer shows its first words and then stalls until it is stopped. */
  async function runningAnswer(who: "alice" | "carol", question: string) {
    p.model.script({ text: "Here is the beginning of a long answer", fail: { kind: "stall", afterChars: 38 } });
    const before = p.model.requests.length;
    const { conversation } = await p.start(who, question);
    await p.waitFor(() => p.botTexts(conversation).at(-1)?.includes("beginning of a long") ?? false, "the first words");
    return { conversation, request: p.model.requests[before]!, before };
  }

  async function expectStopped(c: Conversation, request: { settled: Promise<string> }) {
    const replies = await botSays(c, (t) => t.includes("Stopped."), "the stopped note");
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("Here is the beginning of a long answer");
    expect(await request.settled).toBe("client_closed");
  }

  test("a message delivered again is answered once, with one model request", async () => {
    p.model.script({ text: "Answered exactly once.", paceMs: 20 });
    const before = p.model.requests.length;
    const handled = `${p.displayName} message already handled; not answering again`;
    const handledBefore = p.logCount(handled);
    const { conversation, said } = await p.start("alice", "once please");
    await botSays(conversation, (t) => t === "Answered exactly once.", "the answer");
    p.redeliver(said);
    await p.waitForLog(handled, handledBefore + 1);
    await p.whenIdle();
    expect(p.model.requests.length).toBe(before + 1);
    expect(p.botTexts(conversation)).toEqual(["Answered exactly once."]);
  });

  test("the model gets the conversation in order, with roles, names and image counts", async () => {
    p.model.script({ text: "Paris is the capital of France." });
    const { conversation } = await p.start("alice", "what is the capital of France?");
    await botSays(conversation, (t) => t === "Paris is the capital of France.", "the first answer");

    // Bob joins without a mention: the bot answered in this conversation, so it answers him too.
    p.model.script({ text: "Both screenshots show the Eiffel Tower." });
    p.say(conversation, "bob", "here are two screenshots", { images: 2 });
    await botSays(conversation, (t) => t === "Both screenshots show the Eiffel Tower.", "the second answer");

    p.model.script({ text: "The first one." });
    const before = p.model.requests.length;
    p.say(conversation, "alice", "which one is better?");
    await botSays(conversation, (t) => t === "The first one.", "the third answer");
    expect(p.model.requests.length).toBe(before + 1);

    const prompt = lastUserText(p.model.requests.at(-1)!.body);
    const order = [
      "[user] Alice: what is the capital of France?",
      "[assistant]: Paris is the capital of France.",
      "[user] Bob Builder: here are two screenshots [+2 image(s)]",
      "[assistant]: Both screenshots show the Eiffel Tower.",
      "Alice: which one is better?",
    ].map((line) => prompt.indexOf(line));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(prompt.trimEnd().endsWith("Alice: which one is better?")).toBe(true);
    expect(prompt).not.toContain("Thinking");
  });

  test("'stop' in the conversation stops the running answer, and the reply says so", async () => {
    const { conversation, request, before } = await runningAnswer("alice", "explain everything");
    p.say(conversation, "bob", "Stop");
    await expectStopped(conversation, request);
    expect(p.model.requests.length).toBe(before + 1);
  });

  test("a stop reaction on the bot's reply stops the running answer", async () => {
    const { conversation, request, before } = await runningAnswer("alice", "explain it all again");
    p.reactStop(conversation, "bob");
    await expectStopped(conversation, request);
    expect(p.model.requests.length).toBe(before + 1);
  });

  test("a person outside the allow-list is told once per conversation, and no model call is made", async () => {
    p.model.script({ text: "Hello Alice." });
    const { conversation } = await p.start("alice", "hello");
    await botSays(conversation, (t) => t === "Hello Alice.", "the answer");
    const before = p.model.requests.length;
    const refused = `${p.displayName} request refused by the safety gate`;
    const refusedBefore = p.logCount(refused);
    p.say(conversation, "mallory", "let me in", { mention: true });
    await p.waitForLog(refused, refusedBefore + 1);
    p.say(conversation, "mallory", "please?", { mention: true });
    p.say(conversation, "mallory", "and now?");
    await p.waitForLog(refused, refusedBefore + 3);
    await p.whenIdle();
    const refusals = p.botTexts(conversation).filter((t) => plain(t) === plain(DEFAULT_REFUSAL_REPLY));
    expect(refusals).toHaveLength(1);
    expect(p.model.requests.length).toBe(before);
  });

  test("a stop is never held to the per-user limit and never counts toward it", async () => {
    // Carol may make 2 requests in 10 minutes. Her question is the first; her stop must not be the second.
    const { conversation, request, before } = await runningAnswer("carol", "tell me everything");
    p.say(conversation, "carol", "stop");
    await expectStopped(conversation, request);

    p.model.script({ text: "Answered within the limit." });
    p.say(conversation, "carol", "a short answer then?");
    await botSays(conversation, (t) => t === "Answered within the limit.", "the second answer");
    expect(p.model.requests.length).toBe(before + 2);

    // Over the limit now: a third question is refused ...
    p.say(conversation, "carol", "and one more?");
    await botSays(conversation, (t) => plain(t).startsWith(plain(DEFAULT_RATE_LIMIT_REPLY.split("{seconds}")[0]!)), "the slow-down sentence");
    expect(p.model.requests.length).toBe(before + 2);

    // ... yet Carol can still stop the answer Bob asked for.
    p.model.script({ text: "Bob's answer has only just begun", fail: { kind: "stall", afterChars: 32 } });
    p.say(conversation, "bob", "then tell me instead");
    await p.waitFor(() => p.botTexts(conversation).at(-1)?.includes("has only just") ?? false, "Bob's first words");
    const bobs = p.model.requests[before + 2]!;
    p.say(conversation, "carol", "stop");
    await p.waitFor(() => p.botTexts(conversation).at(-1)?.includes("Stopped.") ?? false, "Bob's answer stopped");
    expect(await bobs.settled).toBe("client_closed");
    expect(p.model.requests.length).toBe(before + 3);
  });

  test("a long answer arrives whole, split into messages within the platform's limit", async () => {
    const sentences: string[] = [];
    for (let i = 0; sentences.join(" ").length < 9_000; i++) {
      sentences.push(`Sentence ${i} explains one more part of the answer so that nothing is left out.${i % 6 === 5 ? "\n\n" : ""}`);
    }
    const answer = sentences.join(" ");
    p.model.script({ text: answer, chunk: { size: 40, unit: "words" } });
    const { conversation } = await p.start("alice", "the long version, please");
    const lastSentence = `Sentence ${sentences.length - 1} explains`;
    const texts = await botSays(conversation, (t) => t.includes(lastSentence), "the end of the answer");
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(p.maxMessageLength);
    expect(plain(texts.join(""))).toBe(plain(answer));
  });

  test("an answer a restart cut short is marked as interrupted and answered again, once, by the next start", async () => {
    p.model.script(
      { text: "Here is the beginning of a long answer", fail: { kind: "stall", afterChars: 38 } },
      { text: "The answer, after the restart." },
    );
    const before = p.model.requests.length;
    const { conversation } = await p.start("alice", "a question the restart interrupts");
    await p.waitFor(() => p.botTexts(conversation).at(-1)?.includes("beginning of a long") ?? false, "the first words");
    await p.restart();
    const replies = await botSays(conversation, (t) => t === "The answer, after the restart.", "the answer after the restart");
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain("Interrupted: the bot restarted. Answering again below.");
    expect(p.model.requests.length).toBe(before + 2);
    expect(lastUserText(p.model.requests.at(-1)!.body)).toContain("a question the restart interrupts");
  });

  test("malformed events are ignored, and the next question is answered as usual", async () => {
    const before = p.model.requests.length;
    p.sendMalformed();
    p.model.script({ text: "Still here." });
    const { conversation } = await p.start("alice", "are you still there?");
    expect(await botSays(conversation, (t) => t === "Still here.", "the answer")).toEqual(["Still here."]);
    expect(p.model.requests.length).toBe(before + 1);
  });
});
