import { z } from "zod";
import { parseToolPolicySetting } from "../safety/tool-policy-setting.js";

/**
 * Every environment variable threadpilot reads, in one place. The names are a contract (deployment tooling and
 * .env.example rely on them); each description says what it does and how to fix a bad value.
 */

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const url = (fallback?: string) =>
  optionalText.pipe(
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, for example https://example.com/api" })
      .optional(),
  ).transform((v) => v ?? fallback);

const bool = (fallback: boolean) =>
  optionalText
    .pipe(z.enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" }).optional())
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes"].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  optionalText
    .pipe(
      z.coerce.number<string>({ error: "must be a whole number" })
        .int({ error: "must be a whole number" })
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` })
        .optional(),
    )
    .transform((v) => v ?? fallback);

/** An optional amount (decimals allowed) of at least `min`; unset means no limit. */
const amount = (min: number, unit: string) =>
  optionalText.pipe(
    z.coerce.number<string>({ error: `must be a number of ${unit}` })
      .refine(Number.isFinite, { error: `must be a number of ${unit}` })
      .min(min, { error: `must be at least ${min} ${unit}` })
      .optional(),
  );

const list = optionalText.transform((v) =>
  v ? v.split(",").map((s) => s.trim()).filter(Boolean) : [],
);

export const envSchema = z.object({
  // Slack
  SLACK_BOT_TOKEN: optionalText.pipe(
    z.string().startsWith("xoxb-", { error: "must be a bot token starting with xoxb-" }).optional(),
  ),
  SLACK_APP_TOKEN: optionalText.pipe(
    z.string().startsWith("xapp-", { error: "must be an app-level token starting with xapp-" }).optional(),
  ),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: url("https://slack.com/api/"),
  SLACK_PORT: int(3000, 0, 65535),
  SLACK_NATIVE_STREAMING: bool(true),
  // Discord
  DISCORD_TOKEN: optionalText,
  DISCORD_API_URL: url("https://discord.com/api"),
  DISCORD_OPEN_THREAD: bool(false),
  DISCORD_GUILD_IDS: list.pipe(
    z.array(z.string().regex(/^\d{17,20}$/, { error: "must be Discord guild (server) ids, comma-separated" })),
  ),
  // Web chat (served by the bot itself)
  WEB_CHAT_PORT: optionalText.pipe(
    z.coerce.number<string>({ error: "must be a port number" }).int({ error: "must be a port number" }).min(0, { error: "must be a port number" }).max(65535, { error: "must be a port number" }).optional(),
  ),
  WEB_CHAT_HOST: optionalText.transform((v) => v ?? "127.0.0.1"),
  WEB_CHAT_TOKEN: optionalText,
  // When to answer
  ANSWER_THREAD_FOLLOWUPS: bool(true),
  ANSWER_OTHER_BOTS: bool(false),
  // Copilot sign-in: the runtime's own order is COPILOT_GITHUB_TOKEN, GH_TOKEN, GITHUB_TOKEN.
  COPILOT_GITHUB_TOKEN: optionalText,
  GH_TOKEN: optionalText,
  GITHUB_TOKEN: optionalText,
  COPILOT_USE_LOGGED_IN_USER: bool(false),
  GH_HOST: optionalText,
  COPILOT_MODEL: optionalText,
  COPILOT_PROVIDER_TYPE: optionalText.pipe(
    z.enum(["openai", "azure", "anthropic"], { error: "must be openai, azure or anthropic" }).optional(),
  ),
  COPILOT_PROVIDER_BASE_URL: url(),
  COPILOT_PROVIDER_API_KEY: optionalText,
  COPILOT_VISION: bool(false),
  COPILOT_HOME: optionalText,
  COPILOT_RETRY_ATTEMPTS: int(3, 1, 10),
  COPILOT_RETRY_BASE_DELAY_MS: int(3_000, 0, 600_000),
  COPILOT_RETRY_MAX_DELAY_MS: int(30_000, 0, 600_000),
  SYSTEM_PROMPT: optionalText,
  SYSTEM_PROMPT_FILE: optionalText,
  REPOS_DIR: optionalText,
  SKILL_DIRS: list,
  // Conversation and reply
  HISTORY_CHAR_BUDGET: int(24_000, 0, 1_000_000),
  PLACEHOLDER_TEXT: optionalText.transform((v) => v ?? "_Thinking…_"),
  // Safety
  // A mode (none, read-only, all) and the MCP tools allowed by name: "read-only,tickets/lookup_ticket,docs/*".
  TOOL_POLICY: optionalText.transform((v, ctx) => {
    const setting = parseToolPolicySetting(v);
    if ("error" in setting) {
      ctx.addIssue({ code: "custom", message: setting.error });
      return z.NEVER;
    }
    return setting;
  }),
  MCP_CONFIG: optionalText,
  GITHUB_MCP: optionalText
    .pipe(z.enum(["off", "read-only"], { error: "must be off or read-only" }).optional())
    .transform((v) => v ?? "off"),
  ALLOW_SLACK_CHANNELS: list,
  ALLOW_SLACK_USERS: list,
  ALLOW_DISCORD_GUILDS: list,
  ALLOW_DISCORD_CHANNELS: list,
  ALLOW_DISCORD_ROLES: list,
  ALLOW_DISCORD_USERS: list,
  REFUSAL_REPLY: optionalText,
  REFUSAL_SILENT: bool(false),
  USER_RATE_LIMIT: int(10, 0, 10_000),
  USER_RATE_WINDOW_SECONDS: int(60, 1, 86_400),
  MAX_MESSAGE_CHARS: int(8_000, 100, 1_000_000),
  MAX_IMAGES: int(10, 0, 100),
  MAX_IMAGE_BYTES: int(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  // Text, code and log files in the conversation (src/media/text-files.ts); 0 files turns reading them off.
  MAX_TEXT_FILES: int(10, 0, 100),
  MAX_TEXT_FILE_BYTES: int(256 * 1024, 1024, 10 * 1024 * 1024),
  MAX_TEXT_FILES_TOTAL_BYTES: int(512 * 1024, 1024, 50 * 1024 * 1024),
  // Long code blocks of an answer also shared as files (src/reply/code-files.ts); 0 turns it off.
  CODE_FILE_MIN_LINES: int(60, 0, 100_000),
  CODE_FILE_HEAD_LINES: int(8, 1, 1_000),
  ADVISOR_MODEL: optionalText,
  ADVISOR_MAX_CALLS: int(2, 0, 20),
  // Usage limits, in AI credits; the runtime refuses a per-answer limit under 30.
  MAX_CREDITS_PER_ANSWER: amount(30, "AI credits (the Copilot runtime's smallest per-session limit is 30)"),
  DAILY_CREDITS_PER_WORKSPACE: amount(0.01, "AI credits"),
  // Operations
  DATA_DIR: optionalText.transform((v) => v ?? "./data"),
  STORE_URL: optionalText
    .pipe(
      z
        .string()
        .regex(/^(sqlite|redis|rediss|memory):\/\//, {
          error: "must start with sqlite://, redis://, rediss:// or memory://",
        })
        .optional(),
    )
    .optional(),
  LOG_LEVEL: optionalText
    .pipe(
      z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
          error: "must be one of fatal, error, warn, info, debug, trace, silent",
        })
        .optional(),
    )
    .transform((v) => v ?? "info"),
  // Unset: pretty lines at a terminal, JSON otherwise (see src/logging/logger.ts).
  LOG_FORMAT: optionalText.pipe(z.enum(["pretty", "json"], { error: "must be pretty or json" }).optional()),
  HEALTH_PORT: optionalText.pipe(
    z.coerce.number<string>({ error: "must be a port number" }).int().min(0).max(65535, { error: "must be a port number" }).optional(),
  ),
  // 8 s: with about 2 s to post "interrupted" notes and close, shutdown fits Docker's default 10 s stop timeout.
  SHUTDOWN_GRACE_MS: int(8_000, 0, 3_600_000),
  THREAD_LOCK_TTL_MS: int(30_000, 1_000, 600_000),
});

export type RawEnv = z.output<typeof envSchema>;

/** Names of variables whose values are secrets: never logged, never shown. */
export const SECRET_VARIABLES = [
  "SLACK_BOT_TOKEN",
  "SLACK_APP_TOKEN",
  "SLACK_SIGNING_SECRET",
  "DISCORD_TOKEN",
  "COPILOT_GITHUB_TOKEN",
  "GH_TOKEN",
  "GITHUB_TOKEN",
  "COPILOT_PROVIDER_API_KEY",
  "WEB_CHAT_TOKEN",
] as const;
