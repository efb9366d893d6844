/**
 * The web chat in a real browser: the real bot process with only WEB_CHAT_PORT and a BYOK model (the fake one),
 * driven in Debian's headless Chromium through playwright-core. Ask and watch the answer grow, stop a second
 * answer, rate one, reload and find the conversation, and see a model's HTML and script shown as text. The README's
 * screenshot is taken here (UPDATE_SCREENSHOTS=1 writes docs/web-chat.png; otherwise it goes to a temp file).
 *
 * Without /usr/bin/chromium the test is skipped with a message, except in CI (CI=true), where .ci/run installs
 * it: there a missing browser fails.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BotProcess, counterValue, getOps } from "../support/bot-process.js";
import { startFakeModel, type FakeModel } from "../support/fake-model/server.js";

// The functions given to page.evaluate run in the page; these are the few browser globals they use.
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  classList: { contains(name: string): boolean };
  getBoundingClientRect(): { x: number; width: number };
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
declare const document: { getElementById(id: string): PageElement; querySelectorAll(selector: string): ArrayLike<PageElement> };
declare const window: object;
declare const MutationObserver: new (callback: () => void) => { observe(target: PageElement, options: object): void };

const CHROMIUM = "/usr/bin/chromium";
// As test/support/redis.ts reads it: any CI value means a CI machine.
const IN_CI = Boolean(process.env.CI);
const MISSING = !existsSync(CHROMIUM);
/** Without these Chromium tries to reach Google's services at start and logs failures. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SCREENSHOT = join(ROOT, "docs", "web-chat.png");

if (MISSING && !IN_CI) {
  console.warn(`Skipping the web chat browser test: ${CHROMIUM} is missing (install it with: apt-get install -y chromium).`);
}

const FIRST_ANSWER = [
  "Here is how **threadpilot** streams an answer:",
  "",
  "1. The model writes a few words at a time.",
  "2. The streamer edits the reply at the page's display rate.",
  "3. The final edit shows the whole answer, `Markdown` rendered.",
  "",
  "```ts",
  "const outcome = await streamReply(events, target);",
  "```",
].join("\n");
const FIRST_ANSWER_TEXT = "The final edit shows the whole answer";
const STALLED = "Counting slowly: one two three four five six seven eight nine ten";
/** A 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const INJECTION = "Look: <img src=x onerror=alert(1)> and <script>window.__pwned = 1</script> and [a link](javascript:alert(2)) done.";

/** The real bot with only the web chat (on a free port) and the fake model; `url` is where the chat is. */
async function startWebBot(name: string, model: FakeModel, env: Record<string, string> = {}): Promise<{ bot: BotProcess; url: string }> {
  const bot = await BotProcess.start({
    name,
    env: {
      WEB_CHAT_PORT: "0",
      HEALTH_PORT: "0",
      COPILOT_PROVIDER_BASE_URL: model.url,
      COPILOT_PROVIDER_API_KEY: "fake-key",
      COPILOT_MODEL: "fake-model",
      COPILOT_RETRY_ATTEMPTS: "1",
      USER_RATE_LIMIT: "0",
      LOG_LEVEL: "info",
      ...env,
    },
  });
  const url = String((await bot.waitForLog((l) => l.msg === "Web chat listening", 10_000, "the web chat's address")).url);
  return { bot, url };
}

/** Debian's Chromium, headless, with a fresh profile in `profile`. */
function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 860 },
    colorScheme: "light",
  });
}

describe.skipIf(MISSING && !IN_CI)("web chat in a real browser", () => {
  let model: FakeModel;
  let bot: BotProcess;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  let profile: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    if (MISSING) throw new Error(`${CHROMIUM} is missing: CI must install it (.ci/run runs apt-get install -y chromium).`);
    model = await startFakeModel();
    ({ bot, url } = await startWebBot("web-chat-bot", model));
    profile = mkdtempSync(join(tmpdir(), "threadpilot-chromium-"));
    context = await launchChromium(profile);
    page = context.pages()[0] ?? (await context.newPage());
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (bot) {
      await bot.kill();
      bot.cleanup();
    }
    await model?.close();
  });

  /** The texts the newest answer showed, one per change of the page (recorded in the page by a MutationObserver). */
  async function recordAnswerSteps(): Promise<void> {
    await page.evaluate(() => {
      const w = window as unknown as { __steps: string[] };
      w.__steps = [];
      const log = document.getElementById("messages");
      new MutationObserver(() => {
        const bodies = log.querySelectorAll(".message.assistant .body");
        const text = bodies[bodies.length - 1]?.textContent ?? "";
        if (w.__steps.at(-1) !== text) w.__steps.push(text);
      }).observe(log, { childList: true, subtree: true, characterData: true });
    });
  }

  const lastAnswer = () => page.locator(".message.assistant .body").last();

  test("ask, watch the answer grow, stop a second one, rate, reload, and see HTML from the model as text", async () => {
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");

    // 1. The answer grows in place, in several steps.
    model.script({ text: FIRST_ANSWER, chunk: { size: 2, unit: "words" }, paceMs: 120 });
    await recordAnswerSteps();
    const input = page.getByRole("textbox", { name: "Message" });
    await input.fill("How do answers stream?");
    // Shift+Enter is a new line, not a send.
    await input.press("Shift+Enter");
    expect(await input.inputValue()).toBe("How do answers stream?\n");
    await input.press("Enter");
    await page.waitForFunction((expected) => {
      const bodies = document.querySelectorAll(".message.assistant .body");
      return bodies[bodies.length - 1]?.textContent?.includes(expected) && !document.getElementById("app").classList.contains("running");
    }, FIRST_ANSWER_TEXT);
    const steps = await page.evaluate(() => (window as unknown as { __steps: string[] }).__steps);
    const words = steps.filter((s) => s.trim() !== "" && !s.includes("Thinking"));
    console.info(`the answer showed ${words.length} texts: ${words.map((s) => s.length).join(", ")} characters`);
    expect(words.length, JSON.stringify(steps)).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < words.length; i++) expect(words[i]!.length).toBeGreaterThan(words[i - 1]!.length);
    // Rendered Markdown: a list, bold, a code block.
    await expect(lastAnswer().locator("ol li").count()).resolves.toBe(3);
    await expect(lastAnswer().locator("strong").textContent()).resolves.toBe("threadpilot");
    await expect(lastAnswer().locator("pre code").textContent()).resolves.toContain("streamReply(events, target)");

    // 2. A second answer, stopped with the Stop button while it streams.
    model.script({ text: STALLED, fail: { kind: "stall", afterChars: 30 } });
    const stalledRequest = model.requests.length;
    await input.fill("Count to ten, slowly");
    await input.press("Enter");
    const stop = page.getByRole("button", { name: "Stop", exact: true });
    await stop.waitFor({ state: "visible" });
    await page.waitForFunction(() => {
      const bodies = document.querySelectorAll(".message.assistant .body");
      return bodies[bodies.length - 1]?.textContent?.startsWith("Counting slowly");
    });
    await stop.click();
    await page.waitForFunction(() => {
      const bodies = document.querySelectorAll(".message.assistant .body");
      return /\(Stopped\.\)$/.test(bodies[bodies.length - 1]?.textContent?.trim() ?? "");
    });
    await stop.waitFor({ state: "hidden" });
    expect(await model.requests[stalledRequest]!.settled).toBe("client_closed");
    expect(await lastAnswer().textContent()).not.toContain("ten");

    // 3. 👍 on the first answer, counted in Prometheus.
    const firstAnswer = page.locator(".message.assistant").first();
    await firstAnswer.getByRole("button", { name: "Good answer" }).click();
    await page.waitForSelector(".message.assistant .rate-up[aria-pressed=true]");
    const metrics = await getOps(bot.healthPort, "/metrics");
    expect(counterValue(metrics.body, "threadpilot_feedback_total", { platform: "web", rating: "up" })).toBe(1);

    // 4. A reload shows the conversation as it was, from the store.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForFunction(() => document.querySelectorAll(".message").length === 4);
    const roles = await page.locator(".message").evaluateAll((els) => els.map((e) => (e as unknown as PageElement).dataset.role));
    expect(roles).toEqual(["user", "assistant", "user", "assistant"]);
    expect(await page.locator(".message.user .body").first().textContent()).toBe("How do answers stream?");
    expect((await lastAnswer().textContent())?.trim()).toMatch(/^Counting slowly[\s\S]*\(Stopped\.\)$/);
    expect(await page.locator(".message.assistant .rate-up").first().getAttribute("aria-pressed")).toBe("true");
    expect(await page.locator(".conversation-list a[aria-current=page]").textContent()).toBe("How do answers stream?");
    await page.locator("#message-input").blur();
    const shot = await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS ? SCREENSHOT : join(profile, "web-chat.png") });
    expect(shot.subarray(1, 4).toString()).toBe("PNG");

    // 5. HTML and script in the model's answer are text, in a new conversation.
    await page.getByRole("button", { name: "+ New conversation" }).click();
    await page.waitForFunction(() => document.querySelectorAll(".message").length === 0);
    model.script({ text: INJECTION });
    await input.fill("Show me some HTML");
    await input.press("Enter");
    await page.waitForFunction(() => {
      const bodies = document.querySelectorAll(".message.assistant .body");
      return bodies[bodies.length - 1]?.textContent?.includes("done.");
    });
    await page.waitForFunction(() => !document.getElementById("app").classList.contains("running"));
    const shown = await lastAnswer().textContent();
    expect(shown).toContain("<img src=x onerror=alert(1)>");
    expect(shown).toContain("<script>window.__pwned = 1</script>");
    expect(shown).toContain("[a link](javascript:alert(2))");
    expect(await page.locator(".messages img, .messages script, .messages a[href^='javascript']").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator(".conversation-list a").count()).toBe(2);

    // 6. An image attached with the button's file picker is sent with the question and shown from the server.
    model.script({ text: "A single dot." });
    await page.locator("#file-input").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Remove dot.png" }).waitFor();
    await input.fill("What is in this picture?");
    await input.press("Enter");
    await page.waitForFunction(() => {
      const image = document.querySelectorAll(".message.user .attachments img")[0] as unknown as { complete?: boolean; naturalWidth?: number } | undefined;
      return image?.complete === true && image.naturalWidth === 1;
    });
    await page.waitForFunction(() => {
      const bodies = document.querySelectorAll(".message.assistant .body");
      return bodies[bodies.length - 1]?.textContent?.includes("A single dot.");
    });
    expect(await page.locator("#pending-files li").count()).toBe(0);

    // 7. On a phone the conversation list folds away behind a button; the composer stays in reach.
    await page.setViewportSize({ width: 390, height: 780 });
    const toggle = page.getByRole("button", { name: "Show conversations" });
    await toggle.waitFor({ state: "visible" });
    // The list slides out of view (a short transition).
    await page.waitForFunction(() => {
      const box = document.getElementById("sidebar").getBoundingClientRect();
      return box.x + box.width <= 1;
    });
    const composer = await page.locator("#message-input").boundingBox();
    expect(composer!.x + composer!.width).toBeLessThanOrEqual(390);
    await toggle.click();
    await page.waitForFunction(() => document.getElementById("sidebar").getBoundingClientRect().x >= 0);
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
  }, 180_000);

  test("the screenshot in the README is a PNG of the page", () => {
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
  });
});

describe.skipIf(MISSING && !IN_CI)("web chat with a token in a real browser", () => {
  const TOKEN = "browser-test-token-0123456789";
  let model: FakeModel;
  let bot: BotProcess;
  let context: BrowserContext;
  let url: string;
  let profile: string;

  beforeAll(async () => {
    if (MISSING) throw new Error(`${CHROMIUM} is missing: CI must install it (.ci/run runs apt-get install -y chromium).`);
    model = await startFakeModel();
    model.setFallback({ text: "Signed in and answered." });
    ({ bot, url } = await startWebBot("web-chat-token-bot", model, { WEB_CHAT_TOKEN: TOKEN }));
    profile = mkdtempSync(join(tmpdir(), "threadpilot-chromium-"));
    context = await launchChromium(profile);
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (bot) {
      await bot.kill();
      bot.cleanup();
    }
    await model?.close();
  });

  test("the token is taken from the address once and removed from it; without it the page asks, and refuses a wrong one", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}#token=${TOKEN}`);
    await page.waitForSelector("body[data-ready=true]");
    expect(page.url()).not.toContain(TOKEN);
    const input = page.getByRole("textbox", { name: "Message" });
    await input.fill("Am I in?");
    await input.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll(".message.assistant .body")[0]?.textContent?.includes("Signed in and answered."));

    // A new tab without the session cookie: the page asks for the token.
    await context.clearCookies();
    const other = await context.newPage();
    await other.goto(url);
    const dialog = other.getByRole("dialog", { name: "Access token" });
    await dialog.waitFor();
    await other.getByLabel("Token", { exact: true }).fill("not-the-token-at-all");
    await other.getByRole("button", { name: "Continue" }).click();
    await other.getByText("That token is not right").waitFor();
    await other.getByLabel("Token", { exact: true }).fill(TOKEN);
    await other.getByRole("button", { name: "Continue" }).click();
    await other.waitForSelector("body[data-ready=true]");
    expect(await other.locator(".conversation-list a").count()).toBe(0);
    expect(bot.tail(500)).not.toContain(TOKEN);
  }, 120_000);
});
