/** The messages between the benchmark (run.ts) and the bot process it starts (bot.ts). */

export interface SlackWorkspaceConfig {
  apiUrl: string;
  botToken: string;
  appToken: string;
}

export interface BotConfig {
  /** A name from bench/strategies (ours, timer-500ms, timer-1s, flush-2s). */
  strategy: string;
  modelUrl: string;
  slack: SlackWorkspaceConfig[];
  discord?: { apiUrl: string; token: string };
}

export interface ProcessUsage {
  /** CPU seconds (user + system) since "start". */
  botCpuS: number;
  runtimeCpuS: number;
  /** Peak resident memory since "start" (kB). */
  botPeakKb: number;
  runtimePeakKb: number;
  /** Resident memory at "start" (kB): the idle baseline. */
  botStartKb: number;
  runtimeStartKb: number;
  /** Whether the peaks could be reset at "start" (else they cover the process's whole life). */
  peaksReset: boolean;
}

export type ParentMessage =
  | { type: "config"; config: BotConfig }
  | { type: "start" }
  | { type: "usage" }
  | { type: "stop" };

export type BotMessage =
  | { type: "ready"; runtimePid: number | null }
  | { type: "started" }
  | { type: "answered"; threadKey: string; status: string; rateLimited: number }
  | { type: "usage"; usage: ProcessUsage }
  | { type: "failed"; reason: string };
