/** Shared helpers for the reply streamer's tests: scripted runtime events on a virtual clock. */
import type { RuntimeEvent } from "../../src/runtime/events.js";
import type { Clock } from "../../src/reply/clock.js";

export type Step = RuntimeEvent | { type: "wait"; ms: number };

/** Plays `steps` as the runtime would: events in order, with virtual pauses between them. */
export async function* play(clock: Clock, steps: Step[]): AsyncGenerator<RuntimeEvent> {
  for (const step of steps) {
    if (step.type === "wait") await clock.sleep(step.ms);
    else yield step;
  }
}

/** Deltas of `text` cut at `cuts` (sorted offsets), `gapMs` apart, then the authoritative message and done. */
export function answerSteps(text: string, cuts: number[], gapMs: number, messageId = "m1"): Step[] {
  const steps: Step[] = [];
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < text.length), text.length]) {
    if (cut <= from) continue;
    steps.push({ type: "wait", ms: gapMs }, { type: "delta", text: text.slice(from, cut), messageId });
    from = cut;
  }
  steps.push({ type: "message", content: text, messageId, hasToolRequests: false }, { type: "done", aborted: false });
  return steps;
}

/**
 * The rendered text a reply's messages carry, written independently of the streamer: the messages joined,
 * after removing the fence closing a message ended with and the reopening the next began with. Throws when a
 * continuation does not reopen the open code block with its exact opening line (language included).
 */
export function joinReply(messages: string[], stats?: { reopened: number }): string {
  let joined = "";
  for (let i = 0; i < messages.length; i++) {
    let text = messages[i]!;
    const open = i > 0 ? openFence(joined) : undefined;
    if (open) {
      const reopen = `${open.line.trimStart()}\n`;
      if (!text.startsWith(reopen)) throw new Error(`message ${i} does not reopen ${JSON.stringify(open.line)}`);
      text = text.slice(reopen.length);
      if (stats) stats.reopened++;
    }
    if (i < messages.length - 1) {
      // A message that is not the last never ends on a real fence line without its newline: such an ending
      // that leaves the block open once removed was added by the split.
      const m = /(`{3,}|~{3,})$/.exec(text);
      if (m) {
        const stripped = text.slice(0, -m[1]!.length);
        if ((stripped === "" || stripped.endsWith("\n")) && openFence(joined + stripped)) text = stripped;
      }
    }
    joined += text;
  }
  return joined;
}

export interface Fence {
  line: string;
  marker: string;
}

/**
 * Fence state of `text` by a deliberately simple line scan of CommonMark's top-level rules: up to three spaces
 * of indentation, three or more backticks or tildes (no backtick in a backtick fence's info string), closed by
 * the same character at least as many times with only spaces or tabs after it. (No list containers: the
 * generated answers put fences at the top level.)
 */
export function openFence(text: string): Fence | undefined {
  let fence: Fence | undefined;
  for (const line of text.split("\n")) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1]![0] === fence.marker[0] && close[1]!.length >= fence.marker.length) fence = undefined;
      continue;
    }
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (m && !(m[1]![0] === "`" && m[2]!.includes("`"))) fence = { line: line.trimEnd(), marker: m[1]! };
  }
  return fence;
}

/** Every message's fences balanced (no code block left open at its end). */
export function fencesBalanced(message: string): boolean {
  return openFence(message) === undefined;
}
