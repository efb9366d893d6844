/** The messages between the benchmark (run.ts) and the bot process it starts (bot.ts). */

export interface SlackWorkspaceConfig {
  apiUrl: string;
  botToken: string;
  appToken: string;
  teamId: string;
  /** The person who mentions the bot (the Chat SDK-like peer streams to them, as Slack requires in channels). */
  askerId: string;
}

export interface BotConfig {
  /** A name from bench/strategies (STRATEGY_NAMES). */
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
