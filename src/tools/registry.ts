/**
 * threadpilot's own tools (as opposed to the runtime's built-in ones). Each tool keeps small per-thread state,
 * such as how often the advisor was asked; the state is created afresh by `buildTools`, which is called once at
 * the start of each run, so every run starts from zero, as the reference resets its advisor counter.
 */
import type { Tool } from "@github/copilot-sdk";
import type { ReadOlder } from "./read-thread.js";

/** What one run (one answered message) gives the tools. */
export interface ToolRunContext {
  /** Stable id of the conversation, for logs. */
  threadKey: string;
  /** Fetches older messages of this thread through the adapter; without it read_thread is not offered. */
  readOlder?: ReadOlder;
  /** Aborted when the run is cancelled. */
  signal?: AbortSignal;
}

/**
 * An SDK tool of whatever argument type: Tool<T> takes its arguments in a handler property (contravariant), so
 * only `any` lets tools with different arguments share one list, as the SDK's own session config does.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyTool = Tool<any>;

export interface ThreadTool<State> {
  readonly name: string;
  /** Fresh state for one run. */
  newState(): State;
  /** The SDK tool bound to this run and its state, or undefined when the context lacks what it needs. */
  build(context: ToolRunContext, state: State): AnyTool | undefined;
}

export class ToolRegistry {
  private readonly tools: readonly ThreadTool<unknown>[];

  constructor(tools: readonly ThreadTool<unknown>[]) {
    const names = tools.map((tool) => tool.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new Error(`Two tools are named "${duplicate}"`);
    this.tools = tools;
  }

  /** Every tool name this registry may offer (for the tool policy's `availableTools`). */
  get names(): string[] {
    return this.tools.map((tool) => tool.name);
  }

  /** The tools for one run, with fresh state. Call at the start of every run and pass them to the runtime. */
  buildTools(context: ToolRunContext): AnyTool[] {
    return this.tools
      .map((tool) => tool.build(context, tool.newState()))
      .filter((tool): tool is AnyTool => tool !== undefined);
  }
}
