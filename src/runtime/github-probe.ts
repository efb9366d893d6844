/**
 * Asks GitHub's API, directly, whether it can be reached and what it makes of a token. The Copilot runtime only
 * says "Not authenticated", whether GitHub refused the token or could not be reached at all; this tells the two
 * apart. It goes through HTTPS_PROXY / NO_PROXY like the runtime does (undici's EnvHttpProxyAgent: Node 20's
 * own fetch ignores proxy variables), and sends the token to the GitHub API host only.
 */
import { EnvHttpProxyAgent, fetch } from "undici";
import { networkFailure } from "../startup/network-failure.js";

export type ProbeResult =
  | { reachable: false; reason: string }
  | { reachable: true; status: number; login?: string };

const PROBE_TIMEOUT_MS = 10_000;

/** The REST API base of a GitHub host: api.github.com, or api.<host> for GitHub Enterprise Cloud (ghe.com). */
export function githubApiBase(host: string): string {
  const bare = host.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  return bare === "github.com" ? "https://api.github.com" : `https://api.${bare}`;
}

let dispatcher: EnvHttpProxyAgent | undefined;

/** The one proxy-aware dispatcher the start-up probes share. */
export function probeDispatcher(): EnvHttpProxyAgent {
  dispatcher ??= new EnvHttpProxyAgent();
  return dispatcher;
}

/** `GET {apiBase}/user`, with the token when there is one. Never throws. */
export async function probeGitHub(apiBase: string, token?: string): Promise<ProbeResult> {
  const dispatcher = probeDispatcher();
  try {
    const response = await fetch(`${apiBase}/user`, {
      dispatcher,
      headers: {
        accept: "application/vnd.github+json",
        "user-agent": "threadpilot",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    let login: string | undefined;
    if (response.ok) {
      const body = (await response.json().catch(() => undefined)) as { login?: unknown } | undefined;
      if (typeof body?.login === "string") login = body.login;
    } else {
      await response.body?.cancel().catch(() => undefined);
    }
    return { reachable: true, status: response.status, ...(login ? { login } : {}) };
  } catch (error) {
    return { reachable: false, reason: networkReason(error) };
  }
}

/**
 * Why a fetch got no answer, for a sentence: the network failure as the start-up sentences describe it
 * (network-failure.ts: "connect ECONNREFUSED 127.0.0.1:9", a blocked port, a timeout), else the innermost message.
 */
export function networkReason(error: unknown): string {
  const failure = networkFailure(error);
  if (failure) return failure;
  let current: unknown = error;
  let deepest = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    deepest = current.message;
    current = current.cause;
  }
  return deepest;
}
