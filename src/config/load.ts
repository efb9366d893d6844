import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { envSchema, type RawEnv } from "./schema.js";
import { DEFAULT_SYSTEM_PROMPT } from "./default-system-prompt.js";
import { isLoopbackHost } from "../adapters/web/loopback.js";
import type { McpToolName } from "../safety/mcp-tool-names.js";

export interface SlackConfig {
  botToken: string;
  /** Socket Mode when set; otherwise the HTTP Events API with `signingSecret`. */
  appToken?: string;
  signingSecret?: string;
  apiUrl: string;
  /** Port of the HTTP Events API receiver (HTTP mode only). */
  port: number;
  /** Stream answers with Slack's chat.startStream / appendStream / stopStream where Slack allows it. */
  nativeStreaming: boolean;
}

export interface DiscordConfig {
  token: string;
  apiUrl: string;
  openThread: boolean;
  /** DISCORD_GUILD_IDS: register the slash commands in these guilds (at once) instead of globally. */
  commandGuildIds: string[];
}

export interface WebChatConfig {
  port: number;
  host: string;
  /** Required off loopback: the page asks for it once. */
  token?: string;
}

/** A token someone could guess in an afternoon protects nothing. */
export const MIN_WEB_CHAT_TOKEN_LENGTH = 16;

export interface ProviderConfig {
  type: "openai" | "azure" | "anthropic";
  baseUrl: string;
  apiKey?: string;
}

/** The variables a Copilot token is read from, in the Copilot runtime's own order of precedence. */
export const TOKEN_VARIABLES = ["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"] as const;
export type TokenVariable = (typeof TOKEN_VARIABLES)[number];

/** How the bot reaches a model: a GitHub token, the user signed in to the Copilot CLI, or its own provider (BYOK). */
export type CopilotSignIn =
  | { kind: "token"; token: string; variable: TokenVariable }
  | { kind: "logged-in-user" }
  | { kind: "byok" };

export interface CopilotConfig {
  signIn: CopilotSignIn;
  /** The GitHub host Copilot signs in against (GH_HOST; github.com unless GitHub Enterprise Cloud with data residency). */
  githubHost: string;
  model?: string;
  provider?: ProviderConfig;
  vision: boolean;
  /** COPILOT_HOME: the runtime's session state and configuration. */
  homeDirectory: string;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  systemMessage: string;
  workingDirectory: string;
  skillDirectories: string[];
}

export interface SafetyConfig {
  toolPolicy: "none" | "read-only" | "all";
  /** MCP tools TOOL_POLICY names (`server/tool`, `server/*`). */
  mcpTools: McpToolName[];
  allow: {
    slack: { channels: string[]; users: string[] };
    discord: { guilds: string[]; channels: string[]; roles: string[]; users: string[] };
  };
  /** The sentence a refused user sees: "" when refusals are silent, undefined for the default sentence. */
  refusalReply?: string;
  /** Requests per user per window; 0 turns the limit off. */
  userRateLimit: { limit: number; windowMs: number };
  maxMessageChars: number;
  images: { maxCount: number; maxBytes: number };
  /** Text files the model reads: per answer, per file, and all of one answer's together. */
  textFiles: { maxCount: number; maxBytes: number; maxTotalBytes: number };
  /** The second model the `advisor` tool asks; no advisor when unset. */
  advisor?: { model: string; maxCallsPerRun: number };
  /** MAX_CREDITS_PER_ANSWER and DAILY_CREDITS_PER_WORKSPACE, in AI credits; unset: no limit. */
  usage: { creditsPerAnswer?: number; dailyCredits?: number };
}

export interface Config {
  /** DATA_DIR: everything the bot keeps on disk lives under it unless a variable moves a part elsewhere. */
  dataDirectory: string;
  slack?: SlackConfig;
  discord?: DiscordConfig;
  webChat?: WebChatConfig;
  answering: { threadFollowups: boolean; otherBots: boolean };
  copilot: CopilotConfig;
  history: { charBudget: number };
  /** `codeFiles.minLines` 0: long code blocks stay in chat only. */
  reply: { placeholder: string; codeFiles: { minLines: number; headLines: number } };
  safety: SafetyConfig;
  store: { url: string };
  /** `format` undefined: pretty at a terminal, JSON otherwise. */
  log: { level: string; format?: "pretty" | "json" };
  health: { port?: number };
  shutdown: { graceMs: number };
  /** How long a replica's hold on a thread lasts without renewal: a crashed replica's threads free up after it. */
  threads: { lockTtlMs: number };
  /** MCP_CONFIG (read and checked at start, src/runtime/mcp-servers.ts) and GITHUB_MCP. */
  mcp: { configPath?: string; github: "off" | "read-only" };
}

/** One bad or missing variable, and what to do about it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.variable}: ${p.message}`);
  return [
    `threadpilot cannot start: ${problems.length} configuration problem(s).`,
    ...lines,
    "Set these in the environment or in a .env file; .env.example documents every variable.",
  ].join("\n");
}

type FileReader = (path: string) => string;

/**
 * Reads and validates the whole configuration from `env` at once, so a newcomer sees every problem in one
 * message rather than one per attempt. Throws ConfigError.
 */
export function loadConfig(env: NodeJS.ProcessEnv, readFile: FileReader = (p) => readFileSync(p, "utf8")): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "?"), message: issue.message })),
    );
  }
  const raw = parsed.data;
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, message: string) => problems.push({ variable, message });

  const slack = slackConfig(raw, problem);
  const discord = discordConfig(raw);
  const webChat = webChatConfig(raw, problem);
  const slackAttempted = Boolean(raw.SLACK_BOT_TOKEN || raw.SLACK_APP_TOKEN || raw.SLACK_SIGNING_SECRET);
  if (!slackAttempted && !discord && raw.WEB_CHAT_PORT === undefined) {
    problem(
      "SLACK_BOT_TOKEN / DISCORD_TOKEN / WEB_CHAT_PORT",
      "no chat platform is configured: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET) for Slack, DISCORD_TOKEN for Discord, or WEB_CHAT_PORT for the web chat (npm run playground sets it for you)",
    );
  }
  const copilot = copilotConfig(raw, readFile, problem, env);
  // The GitHub MCP server signs in with the bot's GitHub sign-in; a BYOK model brings none.
  if (raw.GITHUB_MCP !== "off" && copilot?.signIn.kind === "byok") {
    problem("GITHUB_MCP", "needs a GitHub sign-in (GITHUB_TOKEN, COPILOT_GITHUB_TOKEN, GH_TOKEN or COPILOT_USE_LOGGED_IN_USER), which a BYOK model does not use: set GITHUB_MCP=off");
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dataDirectory: raw.DATA_DIR,
    ...(slack ? { slack } : {}),
    ...(discord ? { discord } : {}),
    ...(webChat ? { webChat } : {}),
    answering: { threadFollowups: raw.ANSWER_THREAD_FOLLOWUPS, otherBots: raw.ANSWER_OTHER_BOTS },
    copilot: copilot!,
    history: { charBudget: raw.HISTORY_CHAR_BUDGET },
    reply: { placeholder: raw.PLACEHOLDER_TEXT, codeFiles: { minLines: raw.CODE_FILE_MIN_LINES, headLines: raw.CODE_FILE_HEAD_LINES } },
    safety: safetyConfig(raw),
    store: { url: raw.STORE_URL ?? `sqlite://${join(raw.DATA_DIR, "threadpilot.sqlite")}` },
    log: { level: raw.LOG_LEVEL, ...(raw.LOG_FORMAT ? { format: raw.LOG_FORMAT } : {}) },
    health: raw.HEALTH_PORT === undefined ? {} : { port: raw.HEALTH_PORT },
    shutdown: { graceMs: raw.SHUTDOWN_GRACE_MS },
    threads: { lockTtlMs: raw.THREAD_LOCK_TTL_MS },
    mcp: { ...(raw.MCP_CONFIG ? { configPath: raw.MCP_CONFIG } : {}), github: raw.GITHUB_MCP },
  };
}

type Problem = (variable: string, message: string) => void;

function slackConfig(raw: RawEnv, problem: Problem): SlackConfig | undefined {
  const anySlack = raw.SLACK_BOT_TOKEN || raw.SLACK_APP_TOKEN || raw.SLACK_SIGNING_SECRET;
  if (!anySlack) return undefined;
  if (!raw.SLACK_BOT_TOKEN) {
    problem("SLACK_BOT_TOKEN", "is required for Slack: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page");
    return undefined;
  }
  if (!raw.SLACK_APP_TOKEN && !raw.SLACK_SIGNING_SECRET) {
    problem(
      "SLACK_APP_TOKEN",
      "is required for Slack Socket Mode (an app-level token xapp-… with connections:write); for the HTTP Events API set SLACK_SIGNING_SECRET instead",
    );
    return undefined;
  }
  return {
    botToken: raw.SLACK_BOT_TOKEN,
    ...(raw.SLACK_APP_TOKEN ? { appToken: raw.SLACK_APP_TOKEN } : {}),
    ...(raw.SLACK_SIGNING_SECRET ? { signingSecret: raw.SLACK_SIGNING_SECRET } : {}),
    apiUrl: raw.SLACK_API_URL!,
    port: raw.SLACK_PORT,
    nativeStreaming: raw.SLACK_NATIVE_STREAMING,
  };
}

function safetyConfig(raw: RawEnv): SafetyConfig {
  return {
    toolPolicy: raw.TOOL_POLICY.mode,
    mcpTools: raw.TOOL_POLICY.mcpTools,
    allow: {
      slack: { channels: raw.ALLOW_SLACK_CHANNELS, users: raw.ALLOW_SLACK_USERS },
      discord: {
        guilds: raw.ALLOW_DISCORD_GUILDS,
        channels: raw.ALLOW_DISCORD_CHANNELS,
        roles: raw.ALLOW_DISCORD_ROLES,
        users: raw.ALLOW_DISCORD_USERS,
      },
    },
    // "" silences refusals; undefined keeps the access policy's default sentence.
    ...(raw.REFUSAL_SILENT ? { refusalReply: "" } : raw.REFUSAL_REPLY ? { refusalReply: raw.REFUSAL_REPLY } : {}),
    userRateLimit: { limit: raw.USER_RATE_LIMIT, windowMs: raw.USER_RATE_WINDOW_SECONDS * 1000 },
    maxMessageChars: raw.MAX_MESSAGE_CHARS,
    images: { maxCount: raw.MAX_IMAGES, maxBytes: raw.MAX_IMAGE_BYTES },
    textFiles: { maxCount: raw.MAX_TEXT_FILES, maxBytes: raw.MAX_TEXT_FILE_BYTES, maxTotalBytes: raw.MAX_TEXT_FILES_TOTAL_BYTES },
    ...(raw.ADVISOR_MODEL ? { advisor: { model: raw.ADVISOR_MODEL, maxCallsPerRun: raw.ADVISOR_MAX_CALLS } } : {}),
    usage: {
      ...(raw.MAX_CREDITS_PER_ANSWER !== undefined ? { creditsPerAnswer: raw.MAX_CREDITS_PER_ANSWER } : {}),
      ...(raw.DAILY_CREDITS_PER_WORKSPACE !== undefined ? { dailyCredits: raw.DAILY_CREDITS_PER_WORKSPACE } : {}),
    },
  };
}

function discordConfig(raw: RawEnv): DiscordConfig | undefined {
  if (!raw.DISCORD_TOKEN) return undefined;
  return { token: raw.DISCORD_TOKEN, apiUrl: raw.DISCORD_API_URL!, openThread: raw.DISCORD_OPEN_THREAD, commandGuildIds: raw.DISCORD_GUILD_IDS };
}

function webChatConfig(raw: RawEnv, problem: Problem): WebChatConfig | undefined {
  if (raw.WEB_CHAT_PORT === undefined) {
    if (raw.WEB_CHAT_TOKEN) problem("WEB_CHAT_PORT", "is required when WEB_CHAT_TOKEN is set: the port the web chat listens on");
    return undefined;
  }
  const host = raw.WEB_CHAT_HOST;
  if (raw.WEB_CHAT_TOKEN !== undefined && raw.WEB_CHAT_TOKEN.length < MIN_WEB_CHAT_TOKEN_LENGTH) {
    problem("WEB_CHAT_TOKEN", `must be at least ${MIN_WEB_CHAT_TOKEN_LENGTH} characters long: generate one with  openssl rand -hex 24`);
    return undefined;
  }
  if (!isLoopbackHost(host) && !raw.WEB_CHAT_TOKEN) {
    problem(
      "WEB_CHAT_TOKEN",
      `is required when WEB_CHAT_HOST (${host}) is not a loopback address: anyone who can reach the port could use the bot; generate one with  openssl rand -hex 24`,
    );
    return undefined;
  }
  return { port: raw.WEB_CHAT_PORT, host, ...(raw.WEB_CHAT_TOKEN ? { token: raw.WEB_CHAT_TOKEN } : {}) };
}

function copilotConfig(raw: RawEnv, readFile: FileReader, problem: Problem, env: NodeJS.ProcessEnv): CopilotConfig | undefined {
  const tokenVariable = TOKEN_VARIABLES.find((name) => raw[name]);
  let provider: ProviderConfig | undefined;
  if (raw.COPILOT_PROVIDER_BASE_URL) {
    provider = {
      type: raw.COPILOT_PROVIDER_TYPE ?? "openai",
      baseUrl: raw.COPILOT_PROVIDER_BASE_URL,
      ...(raw.COPILOT_PROVIDER_API_KEY ? { apiKey: raw.COPILOT_PROVIDER_API_KEY } : {}),
    };
    if (!raw.COPILOT_MODEL) {
      problem("COPILOT_MODEL", "is required with a BYOK provider (COPILOT_PROVIDER_BASE_URL): name the model to use, e.g. gpt-4o");
    }
  } else if (raw.COPILOT_PROVIDER_TYPE || raw.COPILOT_PROVIDER_API_KEY) {
    problem("COPILOT_PROVIDER_BASE_URL", "is required when COPILOT_PROVIDER_TYPE or COPILOT_PROVIDER_API_KEY is set: the provider's API base URL");
  } else if (!tokenVariable && !raw.COPILOT_USE_LOGGED_IN_USER) {
    problem(
      "GITHUB_TOKEN",
      "no model access is configured: set GITHUB_TOKEN (or COPILOT_GITHUB_TOKEN / GH_TOKEN) to a token with Copilot access, set COPILOT_USE_LOGGED_IN_USER=true to use the account signed in to the Copilot CLI, or bring your own model with COPILOT_PROVIDER_BASE_URL and COPILOT_MODEL",
    );
  }
  if (raw.COPILOT_RETRY_MAX_DELAY_MS < raw.COPILOT_RETRY_BASE_DELAY_MS) {
    problem("COPILOT_RETRY_MAX_DELAY_MS", "must not be smaller than COPILOT_RETRY_BASE_DELAY_MS");
  }

  let systemMessage = raw.SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT;
  if (raw.SYSTEM_PROMPT && raw.SYSTEM_PROMPT_FILE) {
    problem("SYSTEM_PROMPT_FILE", "set either SYSTEM_PROMPT or SYSTEM_PROMPT_FILE, not both");
  } else if (raw.SYSTEM_PROMPT_FILE) {
    try {
      systemMessage = readFile(raw.SYSTEM_PROMPT_FILE).trim();
      if (!systemMessage) problem("SYSTEM_PROMPT_FILE", `the file ${raw.SYSTEM_PROMPT_FILE} is empty`);
    } catch {
      problem("SYSTEM_PROMPT_FILE", `cannot read ${raw.SYSTEM_PROMPT_FILE}: check the path and its permissions`);
    }
  }

  const signIn: CopilotSignIn = provider
    ? { kind: "byok" }
    : tokenVariable
      ? { kind: "token", token: raw[tokenVariable]!, variable: tokenVariable }
      : { kind: "logged-in-user" };
  // Signed in as the CLI user, the runtime's state (and the sign-in `copilot login` stored) is in the user's
  // ~/.copilot; otherwise it stays with the rest of the bot's data.
  const homeDirectory =
    raw.COPILOT_HOME ??
    (signIn.kind === "logged-in-user" ? join(env.HOME || homedir(), ".copilot") : join(raw.DATA_DIR, "copilot"));
  return {
    signIn,
    githubHost: raw.GH_HOST ?? "github.com",
    ...(raw.COPILOT_MODEL ? { model: raw.COPILOT_MODEL } : {}),
    ...(provider ? { provider } : {}),
    vision: raw.COPILOT_VISION,
    homeDirectory,
    retry: {
      attempts: raw.COPILOT_RETRY_ATTEMPTS,
      baseDelayMs: raw.COPILOT_RETRY_BASE_DELAY_MS,
      maxDelayMs: raw.COPILOT_RETRY_MAX_DELAY_MS,
    },
    systemMessage,
    workingDirectory: raw.REPOS_DIR ?? join(raw.DATA_DIR, "repos"),
    skillDirectories: raw.SKILL_DIRS,
  };
}
