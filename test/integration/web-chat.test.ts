/**
 * The web chat adapter in process, through its HTTP API as the page uses it, with the real runtime, Answerer and
 * streamer against the fake model: answers stream as whole-text updates over server-sent events and stay in the
 * store; a POST retried with the same message id is answered once; the per-user limit refuses with one sentence;
 * long answers continue in new messages; Stop ends the answer with the note and aborts the model request; images
 * go through the media rules; ratings are stored and counted; and the server's own gates (loopback Host, write
 * header, session cookie, token, owner) hold.
 */
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { imageParts, lastUserText } from "../support/fake-model/server.js";
import { startWebChatHarness, type WebChatHarness } from "../support/web-chat/harness.js";

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
/** GET / with a Host header of our choosing. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    request({ host: target.hostname, port: target.port, path: "/", headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
}

const ANSWER = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa";

describe("web chat", () => {
  let h: WebChatHarness;

  beforeAll(async () => {
    h = await startWebChatHarness({ vision: true });
  });
  afterAll(async () => h?.close());

  test("an answer streams in as whole-text updates, is kept in the store, and the next question sees it", async () => {
    const alice = h.client();
    await alice.signIn();
    await alice.follow();
    const conversation = await alice.newConversation();
    h.model.script({ text: ANSWER, paceMs: 40 });
    const sent = await alice.send(conversation, "Say the alphabet");
    expect(sent.status).toBe(202);

    const done = await alice.waitForEvent((e) => e.type === "message" && e.message?.role === "assistant" && e.message.text === ANSWER, 30_000, "the whole answer");
    await h.adapter.whenIdle();
    const texts = alice.textsOf(done.message!.id);
    // Placeholder, then growing text, then the final text: every update a longer prefix of the answer.
    expect(texts[0]).toBe("_Thinking…_");
    const growing = texts.slice(1);
    expect(growing.length, JSON.stringify(texts)).toBeGreaterThanOrEqual(3);
    for (const [i, text] of growing.entries()) {
      expect(ANSWER.startsWith(text.trim()), text).toBe(true);
      if (i > 0) expect(text.length).toBeGreaterThan(growing[i - 1]!.length);
    }
    expect(alice.events.some((e) => e.type === "running" && e.running === true && e.conversationId === conversation)).toBe(true);
    await alice.waitForEvent((e) => e.type === "running" && e.running === false && e.conversationId === conversation);

    const stored = await alice.conversation(conversation);
    expect(stored.title).toBe("Say the alphabet");
    expect(stored.running).toBe(false);
    expect(stored.messages.map((m) => [m.role, m.text])).toEqual([
      ["user", "Say the alphabet"],
      ["assistant", ANSWER],
    ]);

    h.model.script({ text: "Sixteen." });
    const before = h.model.requests.length;
    await alice.send(conversation, "How many words was that?");
    await alice.waitForEvent((e) => e.type === "message" && e.message?.text === "Sixteen.");
    const prompt = lastUserText(h.model.requests[before]!.body);
    expect(prompt).toContain("Say the alphabet");
    expect(prompt).toContain(ANSWER);
    expect(prompt).toContain("How many words was that?");
    await h.adapter.whenIdle();
  });

  test("the same client message id posted twice is one message and one answer", async () => {
    const bob = h.client();
    await bob.signIn();
    const conversation = await bob.newConversation();
    h.model.script({ text: "Answered exactly once.", paceMs: 20 });
    const before = h.model.requests.length;
    const id = randomUUID();
    const [first, second] = await Promise.all([bob.send(conversation, "once please", { id }), bob.send(conversation, "once please", { id })]);
    expect([first.status, second.status]).toEqual([202, 202]);
    await h.adapter.whenIdle();
    // A third try after the answer, as a browser retrying late would.
    expect((await bob.send(conversation, "once please", { id })).status).toBe(202);
    await h.adapter.whenIdle();

    const { messages } = await bob.conversation(conversation);
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ["user", "once please"],
      ["assistant", "Answered exactly once."],
    ]);
    expect(h.model.requests.length).toBe(before + 1);
    expect(h.logs.filter((l) => l.msg === "Web chat message already handled; not answering again").length).toBeGreaterThanOrEqual(2);
  });

  test("Stop ends the running answer with the stopped note and aborts the model request", async () => {
    const carol = h.client();
    await carol.signIn();
    await carol.follow();
    const conversation = await carol.newConversation();
    h.model.script({ text: ANSWER, fail: { kind: "stall", afterChars: 12 } });
    const before = h.model.requests.length;
    await carol.send(conversation, "this will take forever");
    await carol.waitForEvent((e) => e.type === "message" && e.message?.role === "assistant" && e.message.text.startsWith("alpha"), 30_000, "the first words");
    expect((await carol.conversation(conversation)).running).toBe(true);

    const stop = await carol.request("POST", `/api/conversations/${conversation}/stop`, {});
    expect(stop.status).toBe(202);
    const stopped = await carol.waitForEvent((e) => e.type === "message" && /Stopped/.test(e.message?.text ?? ""), 30_000, "the stopped note");
    expect(stopped.message!.text).toMatch(/^alpha bravo[\s\S]*_\(Stopped\.\)_$/);
    expect(await h.model.requests[before]!.settled).toBe("client_closed");
    await h.adapter.whenIdle();
    expect((await carol.conversation(conversation)).running).toBe(false);
  });

  test("a message that says only 'stop' stops the answer like the button, once, and stays out of the next prompt", async () => {
    const gina = h.client();
    await gina.signIn();
    await gina.follow();
    const conversation = await gina.newConversation();
    h.model.script({ text: ANSWER, fail: { kind: "stall", afterChars: 12 } });
    const before = h.model.requests.length;
    await gina.send(conversation, "go on forever");
    await gina.waitForEvent((e) => e.type === "message" && e.message?.role === "assistant" && e.message.text.startsWith("alpha"), 30_000, "the first words");
    const id = randomUUID();
    await gina.send(conversation, "Stop!", { id });
    await gina.waitForEvent((e) => e.type === "message" && /Stopped/.test(e.message?.text ?? ""), 30_000, "the stopped note");
    expect(await h.model.requests[before]!.settled).toBe("client_closed");
    await gina.send(conversation, "Stop!", { id });
    await h.adapter.whenIdle();
    expect(h.logs.filter((l) => l.msg === "Web chat stop already handled; not stopping again")).toHaveLength(1);

    h.model.script({ text: "Short this time." });
    await gina.send(conversation, "a short one then");
    await gina.waitForEvent((e) => e.type === "message" && e.message?.text === "Short this time.");
    const prompt = lastUserText(h.model.requests[before + 1]!.body);
    expect(prompt).toContain("go on forever");
    expect(prompt).not.toContain("Stop!");
    expect(h.model.requests.length).toBe(before + 2);
    await h.adapter.whenIdle();
  });

  test("an image is shown to a model that can see, a fake one is named in the notice, and files are served to their owner only", async () => {
    const dave = h.client();
    await dave.signIn();
    const conversation = await dave.newConversation();
    const image = await dave.upload("dot.png", PNG, "image/png");
    const fake = await dave.upload("cat.png", Buffer.from("not an image at all"), "image/png");
    const notes = await dave.upload("notes.txt", Buffer.from("some notes"), "text/plain");
    expect([image.status, fake.status, notes.status]).toEqual([201, 201, 201]);
    expect(image.json.file.imageType).toBe("image/png");
    expect(fake.json.file.imageType).toBeUndefined();

    h.model.script({ text: "A single dot." });
    const before = h.model.requests.length;
    await dave.send(conversation, "What is in these?", { attachments: [image.json.file.id, fake.json.file.id, notes.json.file.id] });
    await h.adapter.whenIdle();

    const images = imageParts(h.model.requests[before]!.body);
    expect(images).toHaveLength(1);
    expect(images[0]!.url).toMatch(/^data:image\/png;base64,/);
    const { messages } = await dave.conversation(conversation);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "assistant"]);
    expect(messages[1]!.text).toBe("_I couldn't look at 1 file that is not a PNG, JPEG, GIF or WebP image._");
    expect(messages[2]!.text).toBe("A single dot.");
    expect(messages[0]!.attachments!.map((a) => a.name)).toEqual(["dot.png", "cat.png", "notes.txt"]);

    const served = await fetch(new URL(`/api/files/${image.json.file.id}`, h.url), { headers: { cookie: dave.cookieHeader } });
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    const download = await fetch(new URL(`/api/files/${fake.json.file.id}`, h.url), { headers: { cookie: dave.cookieHeader } });
    expect(download.headers.get("content-type")).toBe("application/octet-stream");
    expect(download.headers.get("content-disposition")).toMatch(/^attachment/);

    const eve = h.client();
    await eve.signIn();
    expect((await eve.request("GET", `/api/files/${image.json.file.id}`)).status).toBe(404);
    expect((await eve.request("GET", `/api/conversations/${conversation}`)).status).toBe(404);
    expect((await eve.send(conversation, "let me in")).status).toBe(404);
    const tooBig = await dave.upload("huge.bin", Buffer.alloc(10 * 1024 * 1024 + 1));
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error).toBe("Files up to 10 MB can be attached.");
  });

  test("👍 and 👎 are stored on the answer and counted in Prometheus; only answers can be rated", async () => {
    const frank = h.client();
    await frank.signIn();
    const conversation = await frank.newConversation();
    h.model.script({ text: "Rate me." });
    await frank.send(conversation, "hello");
    await h.adapter.whenIdle();
    const [question, answer] = (await frank.conversation(conversation)).messages;
    const path = `/api/conversations/${conversation}/messages/${answer!.id}/feedback`;
    const count = async (rating: string) => {
      const text = await h.metrics.render();
      const line = text.split("\n").find((l) => l.startsWith(`threadpilot_feedback_total{platform="web",rating="${rating}"}`));
      return line ? Number(line.split(" ").at(-1)) : 0;
    };

    expect((await frank.request("POST", path, { rating: "up" })).status).toBe(200);
    expect(await count("up")).toBe(1);
    expect((await frank.conversation(conversation)).messages[1]!.feedback).toBe("up");
    expect((await frank.request("POST", path, { rating: "down" })).status).toBe(200);
    expect(await count("down")).toBe(1);
    expect((await frank.request("POST", path, { rating: null })).status).toBe(200);
    expect((await frank.conversation(conversation)).messages[1]!.feedback).toBeUndefined();

    const onQuestion = await frank.request("POST", `/api/conversations/${conversation}/messages/${question!.id}/feedback`, { rating: "up" });
    expect(onQuestion).toMatchObject({ status: 400, json: { error: "Only the bot's answers can be rated." } });
    expect((await frank.request("POST", path, { rating: "meh" })).json.error).toBe('The rating must be "up", "down" or null.');
  });

  test("the server answers only loopback hosts, writes need the header, the API needs a session, bad input gets one sentence", async () => {
    const page = await fetch(h.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const vendor = await fetch(new URL("/vendor/markdown-it.js", h.url));
    expect(vendor.status).toBe(200);

    // A page on another site that re-resolves its own name to 127.0.0.1 sends its own Host (fetch cannot set one).
    expect(await statusWithHost(h.url, "evil.example")).toBe(421);
    expect(await statusWithHost(h.url, `localhost:${new URL(h.url).port}`)).toBe(200);

    const anonymous = h.client();
    expect((await anonymous.request("GET", "/api/conversations")).status).toBe(401);
    await anonymous.signIn();
    const conversation = await anonymous.newConversation();
    const noHeader = await fetch(new URL(`/api/conversations/${conversation}/messages`, h.url), {
      method: "POST",
      headers: { "content-type": "application/json", cookie: anonymous.cookieHeader },
      body: JSON.stringify({ id: randomUUID(), text: "forged" }),
    });
    expect(noHeader.status).toBe(403);
    expect((await anonymous.send(conversation, "   ")).json).toEqual({ error: "The message is empty." });
    expect((await anonymous.request("POST", `/api/conversations/${conversation}/messages`, { id: "x", text: "hi" })).json.error).toBe(
      "The message needs an id of 8 to 64 letters, digits, - or _.",
    );
    expect((await anonymous.request("POST", `/api/conversations/${conversation}/messages`, "{not json")).json.error).toBe("The request body is not valid JSON.");
    expect((await anonymous.conversation(conversation)).messages).toEqual([]);
  });
});

describe("web chat with the bot's tools and a tiny history budget", () => {
  let h: WebChatHarness;

  beforeAll(async () => {
    h = await startWebChatHarness({ tools: true, historyCharBudget: 120 });
  });
  afterAll(async () => h?.close());

  test("the tool's status line shows while it runs, and read_thread brings the model what the budget left out", async () => {
    const user = h.client();
    await user.signIn();
    await user.follow();
    const conversation = await user.newConversation();
    h.model.script({ text: "Noted: the launch code is BLUE-HERON." });
    await user.send(conversation, "Remember this: the launch code is BLUE-HERON.");
    await h.adapter.whenIdle();
    for (const text of ["filler one, nothing to see here at all", "filler two, nothing to see here either"]) {
      h.model.script({ text: "OK." });
      await user.send(conversation, text);
      await h.adapter.whenIdle();
    }

    // The model asks for older messages; its second call waits, so the status line is on the page meanwhile.
    h.model.script({ toolCalls: [{ name: "read_thread", arguments: { limit: 50 } }] }, { text: "It was BLUE-HERON.", delayMs: 3_000 });
    const before = h.model.requests.length;
    await user.send(conversation, "what was the launch code?");
    await user.waitForEvent((e) => e.type === "message" && e.message?.text === "_Running `read_thread`…_", 30_000, "the tool's status line");
    await user.waitForEvent((e) => e.type === "message" && e.message?.text === "It was BLUE-HERON.", 30_000, "the answer");
    await h.adapter.whenIdle();

    const prompt = lastUserText(h.model.requests[before]!.body);
    expect(prompt).not.toContain("BLUE-HERON");
    const toolResult = (h.model.requests[before + 1]!.body.messages ?? []).filter((m) => m.role === "tool").map((m) => JSON.stringify(m.content)).join("\n");
    expect(toolResult).toContain("Remember this: the launch code is BLUE-HERON.");
  });
});

describe("web chat with a token, a per-user limit and a small message length", () => {
  const TOKEN = "a-long-enough-test-token-0123456789";
  let h: WebChatHarness;

  beforeAll(async () => {
    h = await startWebChatHarness({ userRateLimit: 2, adapter: { token: TOKEN, maxMessageLength: 300 } });
  });
  afterAll(async () => h?.close());

  test("the token is asked once, checked, and never logged", async () => {
    const stranger = h.client();
    const wrong = await stranger.request("POST", "/api/session", { token: "guess" });
    expect(wrong).toMatchObject({ status: 401, json: { error: "That token is not right: ask whoever runs the bot for WEB_CHAT_TOKEN." } });
    expect((await stranger.request("GET", "/api/conversations")).json.error).toBe("Enter the chat's access token to continue.");

    const friend = h.client();
    await friend.signIn(TOKEN);
    expect((await friend.request("GET", "/api/conversations")).status).toBe(200);
    // The cookies carry a proof, never the token.
    expect(friend.cookieHeader).not.toContain(TOKEN);
    // A user id cookie without the proof is nobody.
    const forged = h.client({ cookie: friend.cookieHeader.split("; ").filter((c) => c.startsWith("tp_user=")).join("") });
    expect((await forged.request("GET", "/api/conversations")).status).toBe(401);
    expect(h.logText()).not.toContain(TOKEN);
  });

  test("a long answer continues in new messages that together are the answer", async () => {
    const user = h.client();
    await user.signIn(TOKEN);
    const conversation = await user.newConversation();
    const paragraphs = Array.from({ length: 8 }, (_, i) => `Paragraph ${i}: ${"words that fill the page ".repeat(5).trim()}.`);
    const answer = paragraphs.join("\n\n");
    h.model.script({ text: answer, chunk: { size: 40, unit: "chars" }, paceMs: 5 });
    await user.send(conversation, "write a lot");
    await h.adapter.whenIdle();
    const replies = (await user.conversation(conversation)).messages.filter((m) => m.role === "assistant");
    expect(replies.length).toBeGreaterThanOrEqual(3);
    for (const reply of replies) expect(reply.text.length).toBeLessThanOrEqual(300);
    expect(replies.map((r) => r.text).join("").replace(/\s+/g, "")).toBe(answer.replace(/\s+/g, ""));
  });

  test("over the per-user limit the user is told once, and the model is not asked", async () => {
    const user = h.client();
    await user.signIn(TOKEN);
    const conversation = await user.newConversation();
    h.model.setFallback({ text: "Fine." });
    const before = h.model.requests.length;
    for (const text of ["one", "two", "three", "four"]) {
      await user.send(conversation, text);
      await h.adapter.whenIdle();
    }
    const { messages } = await user.conversation(conversation);
    const refusals = messages.filter((m) => m.role === "assistant" && /faster than I can take them/.test(m.text));
    expect(refusals, JSON.stringify(messages.map((m) => m.text))).toHaveLength(1);
    expect(h.model.requests.length - before).toBe(2);
    expect(messages.filter((m) => m.role === "user")).toHaveLength(4);
  });
});
