/**
 * `npm run playground` as a user runs it (its entry point, src/playground.ts, as a process): with a BYOK model
 * and Slack settings left over in the environment, only the web chat starts, the address to open is printed, the
 * page answers from the model, and SIGTERM ends it cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";
import { WebChatClient } from "../support/web-chat/client.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

let model: FakeModel | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await model?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the playground starts only the web chat, prints where it is, answers, and stops on SIGTERM", async () => {
  model = await startFakeModel();
  model.setFallback({ text: "Hello from the playground." });
  dir = mkdtempSync(join(tmpdir(), "threadpilot-playground-"));
  child = spawn(process.execPath, ["--import", TSX_LOADER, join(ROOT, "src", "playground.ts")], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      LANG: "C.UTF-8",
      COPILOT_HOME: join(dir, "copilot-home"),
      REPOS_DIR: join(dir, "repos"),
      COPILOT_PROVIDER_BASE_URL: model.url,
      COPILOT_PROVIDER_API_KEY: "fake-key",
      COPILOT_MODEL: "fake-model",
      WEB_CHAT_PORT: "0",
      // Left over in a .env: the playground must not try to reach Slack with them.
      SLACK_BOT_TOKEN: "xoxb-not-a-real-token",
      SLACK_APP_TOKEN: "xapp-not-a-real-token",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child!.once("exit", (code) => done(code)));

  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /threadpilot playground: open (http:\/\/127\.0\.0\.1:\d+\/) in your browser/.exec(output)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 100));
  }
  expect(url, output).toBeDefined();

  const page = await fetch(url!);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<title>threadpilot</title>");
  const client = new WebChatClient(url!);
  await client.signIn();
  const conversation = await client.newConversation();
  await client.send(conversation, "hello?");
  const answer = async () => (await client.conversation(conversation)).messages.find((m) => m.role === "assistant")?.text;
  while ((await answer()) !== "Hello from the playground." && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await answer()).toBe("Hello from the playground.");
  // Quiet by default (LOG_LEVEL=warn): no Slack connection attempt, nothing but the address.
  expect(output).not.toMatch(/slack/i);

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
}, 120_000);
