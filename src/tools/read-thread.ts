/**
 * read_thread: fetches older messages of the current thread, beyond what fitted in the prompt's history budget,
 * through the adapter. Each call goes further back; the position is per-run state.
 */
import { defineTool } from "@github/copilot-sdk";
import type { Logger } from "pino";
import { z } from "zod";
import { formatContextLine } from "../history/prompt-lines.js";
import type { HistoryMessage } from "../history/types.js";
import type { ThreadTool } from "./registry.js";

/** One page of older messages, oldest first, with the cursor for the page before it (undefined: thread start). */
export interface OlderMessagesPage {
  messages: HistoryMessage[];
  before?: string;
}

/**
 * Adapter-provided: up to `limit` messages older than `before` (an adapter's own cursor; undefined means "older
 * than the messages already in the prompt"), oldest first. Returning a plain list is allowed too: paging then
 * re-reads with a growing limit.
 */
export type ReadOlder = (before: string | undefined, limit: number) => Promise<HistoryMessage[] | OlderMessagesPage>;

export const READ_THREAD_TOOL_NAME = "read_thread";

export interface ReadThreadOptions {
  /** Messages per call when the model does not say (default 20, at most 50). */
  defaultLimit?: number;
  /** Characters of tool output per call; long messages are shortened to fit (default 16,000). */
  maxOutputChars?: number;
  logger?: Logger;
}

interface ReadThreadState {
  before?: string;
  /** Messages already returned in this run. */
  seen: number;
  exhausted: boolean;
}

const MAX_LIMIT = 50;

const parameters = z.object({
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .optional()
    .describe(`How many older messages to fetch (1-${MAX_LIMIT}, default 20).`),
});

export function readThreadTool(options: ReadThreadOptions = {}): ThreadTool<ReadThreadState> {
  const defaultLimit = Math.min(MAX_LIMIT, Math.max(1, options.defaultLimit ?? 20));
  const maxOutputChars = options.maxOutputChars ?? 16_000;
  return {
    name: READ_THREAD_TOOL_NAME,
    newState: () => ({ seen: 0, exhausted: false }),
    build(context, state) {
      const readOlder = context.readOlder;
      if (!readOlder) return undefined;
      return defineTool(READ_THREAD_TOOL_NAME, {
        description:
          "Read older messages of this conversation that were left out of the prompt. Each call returns the " +
          "next older batch, oldest first.",
        parameters,
        defer: "never",
        handler: async ({ limit }) => {
          if (state.exhausted) return "There are no older messages: this is the start of the thread.";
          const want = limit ?? defaultLimit;
          let messages: HistoryMessage[];
          try {
            const result = await readOlder(state.before, pagedLimit(state, want));
            messages = takePage(result, state, want);
          } catch (error) {
            options.logger?.warn(
              { threadKey: context.threadKey, err: error instanceof Error ? error.message : String(error) },
              "read_thread could not fetch older messages",
            );
            return "I could not read older messages of this thread right now.";
          }
          const lines = formatLines(messages, maxOutputChars);
          if (lines.length === 0) return "There are no older messages: this is the start of the thread.";
          const footer = state.exhausted
            ? "(This is the start of the thread.)"
            : "(Call read_thread again for earlier messages.)";
          return `Older messages of this thread, oldest first (${lines.length}):\n${lines.join("\n")}\n${footer}`;
        },
      });
    },
  };
}

/** With cursor paging the adapter gets `want`; with plain lists it must re-read what was already seen. */
function pagedLimit(state: ReadThreadState, want: number): number {
  return state.before !== undefined ? want : state.seen + want;
}

function takePage(result: HistoryMessage[] | OlderMessagesPage, state: ReadThreadState, want: number): HistoryMessage[] {
  if (Array.isArray(result)) {
    // Oldest first: the newest `seen` of them were returned by earlier calls.
    const fresh = result.slice(0, Math.max(0, result.length - state.seen)).slice(-want);
    if (result.length < state.seen + want) state.exhausted = true;
    state.seen += fresh.length;
    return fresh;
  }
  const fresh = result.messages.slice(-want);
  state.seen += fresh.length;
  if (result.before === undefined || fresh.length === 0) state.exhausted = true;
  else state.before = result.before;
  return fresh;
}

function formatLines(messages: HistoryMessage[], maxOutputChars: number): string[] {
  const perLine = Math.max(200, Math.floor(maxOutputChars / messages.length));
  return messages
    .map((message) => formatContextLine(message))
    .filter((line): line is string => line !== null)
    .map((line) => (line.length > perLine ? `${line.slice(0, perLine - 1)}…` : line));
}
