import { describe, expect, it } from "vitest";
import { formatPromptWithHistory, formatContextLine } from "../../src/history/prompt.js";
import type { HistoryMessage } from "../../src/history/types.js";

const user = (speaker: string, text: string, imageCount = 0): HistoryMessage => ({
  role: "user",
  speaker,
  text,
  imageCount,
});
const bot = (text: string): HistoryMessage => ({ role: "assistant", speaker: "threadpilot", text, imageCount: 0 });

describe("formatPromptWithHistory", () => {
  it("returns an empty prompt for an empty history", () => {
    expect(formatPromptWithHistory([])).toBe("");
  });

  it("returns only the new message when there is no context", () => {
    expect(formatPromptWithHistory([user("Ada", "hello")])).toBe("Ada: hello");
  });

  it("joins context and new message as the reference does, naming speakers", () => {
    const prompt = formatPromptWithHistory([user("Ada", "what is 2+2?"), bot("4"), user("Grace", "and times 3?")]);
    expect(prompt).toBe("\n[user] Ada: what is 2+2?\n[assistant]: 4\n\n\nGrace: and times 3?");
  });

  it("writes images after text, or alone", () => {
    expect(formatContextLine(user("Ada", "look", 2))).toBe("[user] Ada: look [+2 image(s)]");
    expect(formatContextLine(user("Ada", "", 3))).toBe("[user] Ada: [3 image(s)]");
    expect(formatContextLine(user("Ada", "   ", 1))).toBe("[user] Ada: [1 image(s)]");
  });

  it("skips empty context messages, and falls back to the new message when none are left", () => {
    expect(formatPromptWithHistory([user("Ada", ""), bot("  "), user("Ada", "hi")])).toBe("Ada: hi");
    expect(formatPromptWithHistory([user("Ada", ""), bot("yes"), user("Ada", "hi")])).toBe(
      "\n[assistant]: yes\n\n\nAda: hi",
    );
  });

  it("marks other bots as bots, never as the assistant", () => {
    const prompt = formatPromptWithHistory([{ ...user("Deploybot", "deployed v2"), isBot: true }, user("Ada", "ok?")]);
    expect(prompt).toContain("[user] Deploybot (bot): deployed v2");
    expect(prompt).not.toContain("[assistant]");
  });

  it("mentions images of the message being answered", () => {
    expect(formatPromptWithHistory([user("Ada", "what is this?", 2)])).toBe("Ada: what is this? [+2 image(s)]");
  });

  it("keeps the newest messages within the budget and says how many were left out", () => {
    const history = Array.from({ length: 10 }, (_, i) => user("Ada", `message number ${i} ${"x".repeat(80)}`));
    history.push(user("Ada", "the question"));
    const prompt = formatPromptWithHistory(history, { contextCharBudget: 400 });
    const contextLines = prompt.split("\n\n\n")[0]!.trim().split("\n");
    // Each line is ~110 characters: three fit in 400.
    expect(contextLines[0]).toBe("[7 earlier message(s) in this conversation were left out]");
    expect(contextLines.slice(1).map((l) => l.match(/number (\d)/)?.[1])).toEqual(["7", "8", "9"]);
    expect(prompt.endsWith("\n\n\nAda: the question")).toBe(true);
    const contextChars = contextLines.slice(1).reduce((n, l) => n + l.length + 1, 0);
    expect(contextChars).toBeLessThanOrEqual(400);
  });

  it("keeps the end of a single context message larger than the whole budget", () => {
    const prompt = formatPromptWithHistory([user("Ada", "y".repeat(5000)), user("Ada", "q")], {
      contextCharBudget: 100,
    });
    const context = prompt.split("\n\n\n")[0]!;
    expect(context.length).toBeLessThan(120);
    expect(context).toContain("…");
    expect(prompt).not.toContain("left out");
  });

  it("tells the model when every earlier message was left out", () => {
    const prompt = formatPromptWithHistory([user("Ada", "a"), user("Ada", "b"), user("Ada", "c")], {
      contextCharBudget: 0,
    });
    expect(prompt).toBe("\n[2 earlier message(s) in this conversation were left out]\n\n\nAda: c");
  });
});
