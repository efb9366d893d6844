/**
 * advisor: lets the model ask a second, configurable (usually stronger) model for a second opinion, at most
 * `maxCallsPerRun` times per run. How the second model is reached is given in (`ask`), so this file knows
 * nothing about sessions or providers.
 */
import { defineTool } from "@github/copilot-sdk";
import type { Logger } from "pino";
import { z } from "zod";
import type { ThreadTool } from "./registry.js";

/** Asks the second model one self-contained question and resolves with its answer text. */
export type AskAdvisor = (question: string, signal?: AbortSignal) => Promise<string>;

export interface AdvisorOptions {
  ask: AskAdvisor;
  /** ADVISOR_MAX_CALLS; 0 keeps the tool out of sessions altogether. */
  maxCallsPerRun: number;
  /** The advisor's answer is cut to this many characters before it goes back to the model. */
  maxAnswerChars?: number;
  logger?: Logger;
}

export const ADVISOR_TOOL_NAME = "advisor";

const parameters = z.object({
  question: z
    .string()
    .min(1)
    .max(8_000)
    .describe("A self-contained question with the context the advisor needs; it cannot see this conversation."),
});

export function advisorTool(options: AdvisorOptions): ThreadTool<{ calls: number }> {
  const maxAnswerChars = options.maxAnswerChars ?? 8_000;
  return {
    name: ADVISOR_TOOL_NAME,
    newState: () => ({ calls: 0 }),
    build(context, state) {
      if (options.maxCallsPerRun <= 0) return undefined;
      return defineTool(ADVISOR_TOOL_NAME, {
        description:
          "Ask a second, stronger model for a second opinion on a hard question (a tricky bug, a design choice, " +
          `a fact you are unsure of). At most ${options.maxCallsPerRun} call(s) per answer; use it sparingly.`,
        parameters,
        defer: "never",
        handler: async ({ question }, invocation) => {
          if (state.calls >= options.maxCallsPerRun) {
            return `The advisor limit for this answer is reached (${options.maxCallsPerRun} call(s)). Answer with what you have.`;
          }
          state.calls += 1;
          try {
            const answer = (await options.ask(question, invocation.signal ?? context.signal)).trim();
            if (!answer) return "The advisor gave no answer. Answer with what you have.";
            return answer.length > maxAnswerChars ? `${answer.slice(0, maxAnswerChars)}\n[advisor answer cut]` : answer;
          } catch (error) {
            // The model (and so the user) sees a plain sentence; details go to the log only.
            options.logger?.warn(
              { threadKey: context.threadKey, err: error instanceof Error ? error.message : String(error) },
              "Advisor call failed",
            );
            return "The advisor is unavailable right now. Answer with what you have.";
          }
        },
      });
    },
  };
}
