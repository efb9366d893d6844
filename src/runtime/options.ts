/**
 * How a CopilotRuntime is set up. A plain object, so tests and benchmarks build one without the global config;
 * src/config maps the environment onto it.
 */
import type { GitHubMcpToolConfig, MCPServerConfig, PermissionHandler, ProviderConfig, SessionHooks } from "@github/copilot-sdk";
import type { Logger } from "pino";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.js";
import { defaultAvailableTools, ownToolsOnly } from "./safe-defaults.js";
import type { SignInSource } from "./sign-in.js";
import type { AnswerRequest } from "./types.js";

export interface CopilotRuntimeOptions {
  /**
   * Copilot sign-in: a token (passed to the runtime process, never logged) or the user signed in to the Copilot
   * CLI. Not needed with a BYOK `provider`.
   */
  signIn?: SignInSource;
  /** GH_HOST: the GitHub host to sign in against (default github.com). */
  githubHost?: string;
  /** Model id (required with BYOK). */
  model: string;
  /** BYOK: an OpenAI-compatible, Azure or Anthropic endpoint instead of the Copilot API. */
  provider?: ProviderConfig;
  /** The whole system prompt (`systemMessage.mode = "replace"`). */
  systemMessage: string;
  /** Where the runtime process runs and sessions' tools operate (REPOS_DIR). */
  workingDirectory?: string;
  skillDirectories?: string[];
  /** Tool filter for every session. Default: threadpilot's own tools only (plus `skill` with skills). */
  availableTools?: string[];
  /** Always wins over `availableTools`. Default `["task"]`: no sub-agents, like the reference. */
  excludedTools?: string[];
  /** Default: approve threadpilot's own tools, refuse everything else with `user-not-available`. */
  onPermissionRequest?: PermissionHandler;
  /** MCP servers for every session (src/runtime/mcp-servers.ts: already narrowed to the tools the policy names). */
  mcpServers?: Record<string, MCPServerConfig>;
  /** The built-in GitHub MCP server's configuration (GITHUB_MCP, src/runtime/github-mcp.ts). */
  githubMcpToolConfig?: GitHubMcpToolConfig;
  /** Hooks for one request's session (src/runtime/tool-hooks.ts: tool calls logged and gated). */
  hooksFor?: (request: AnswerRequest) => SessionHooks;
  /** Send images to the model (and tell the runtime a BYOK model can see them). */
  vision: boolean;
  /**
   * MAX_CREDITS_PER_ANSWER: the session's `sessionLimits.maxAiCredits` (the runtime's minimum is 30). Past it the
   * runtime makes no further model call and the answer ends with a `credit_limit` event.
   */
  maxCreditsPerAnswer?: number;
  retry?: Partial<RetryPolicy>;
  /** COPILOT_HOME: session state and runtime config. Required: the runtime has no usable default in "empty" mode. */
  homeDirectory: string;
  /** An attempt with no session event for this long fails as a `timeout` (default 180 s). */
  inactivityTimeoutMs?: number;
  /** After this long without events the runtime process is pinged, to notice one that died (default 10 s). */
  livenessCheckMs?: number;
  /** Keep each session's state on disk after the answer (default false: it holds the conversation). */
  keepSessionData?: boolean;
  /**
   * Environment of the runtime process. Default: a short allow-list of the host's variables (PATH, HOME,
   * locale, proxies, CA certificates, COPILOT_*), so chat tokens in this process never reach the runtime and
   * its tools.
   */
  env?: Record<string, string | undefined>;
  logger: Logger;
  /** Jitter source for backoff delays (tests count its calls). Default Math.random. */
  random?: () => number;
}

export interface ResolvedRuntimeOptions
  extends Omit<CopilotRuntimeOptions, "retry" | "availableTools" | "excludedTools" | "onPermissionRequest" | "skillDirectories"> {
  retry: RetryPolicy;
  availableTools: string[];
  excludedTools: string[];
  onPermissionRequest: PermissionHandler;
  skillDirectories: string[];
  inactivityTimeoutMs: number;
  livenessCheckMs: number;
}

export function resolveRuntimeOptions(options: CopilotRuntimeOptions): ResolvedRuntimeOptions {
  if (!options.model?.trim()) throw new Error("CopilotRuntime needs a model id (options.model).");
  const skillDirectories = options.skillDirectories ?? [];
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  if (!(retry.attempts >= 1)) throw new Error("CopilotRuntime retry.attempts must be at least 1.");
  return {
    ...options,
    retry,
    skillDirectories,
    availableTools: options.availableTools ?? defaultAvailableTools(skillDirectories.length > 0),
    excludedTools: options.excludedTools ?? ["task"],
    onPermissionRequest: options.onPermissionRequest ?? ownToolsOnly,
    inactivityTimeoutMs: options.inactivityTimeoutMs ?? 180_000,
    livenessCheckMs: options.livenessCheckMs ?? 10_000,
  };
}

const PASSED_ENV = /^(PATH|HOME|USER|LOGNAME|SHELL|TERM|TZ|LANG|LC_\w+|TMPDIR|TEMP|TMP|XDG_\w+|COPILOT_\w+|GH_HOST|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy)$/;

/** Secrets that match the allow-list's pattern but reach the runtime through its options, not its environment. */
const WITHHELD_ENV = new Set(["COPILOT_PROVIDER_API_KEY"]);

/** The allow-listed part of `env` for the runtime process. */
export function runtimeEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // An empty value (a blank line copied from .env.example) means "unset", not "set to nothing".
    if (value && PASSED_ENV.test(name) && !WITHHELD_ENV.has(name)) kept[name] = value;
  }
  return kept;
}
