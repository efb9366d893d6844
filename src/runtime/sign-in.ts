/**
 * Is the bot signed in to Copilot, and if not, why not: a token kind Copilot refuses, a token GitHub refuses, an
 * account without Copilot, or GitHub out of reach. Used once at start (one sentence for the operator) and after
 * an answer fails to sign in (the sentence the thread sees makes the same distinctions).
 */
import type { GetAuthStatusResponse } from "@github/copilot-sdk";
import { githubApiBase, probeGitHub, type ProbeResult } from "./github-probe.js";
import { tokenKind } from "./token-kinds.js";

/** Where the credentials come from; `variable` names the setting a sentence tells the operator to fix. */
export type SignInSource = { kind: "token"; token: string; variable: string } | { kind: "logged-in-user" };

export type SignInProblemKind = "token_kind" | "credentials" | "no_access" | "not_signed_in" | "unreachable";

export interface SignInProblem {
  kind: SignInProblemKind;
  /** One sentence for the operator, naming what to change. */
  sentence: string;
  /** True when nothing will work until the operator acts; false for a network problem that may pass. */
  fatal: boolean;
}

export type SignInResult = { ok: true; login?: string; authType?: string } | { ok: false; problem: SignInProblem };

export interface SignInDeps {
  source: SignInSource;
  githubHost: string;
  /** The runtime's view (client.getAuthStatus()). */
  authStatus: () => Promise<GetAuthStatusResponse>;
  /** GitHub's own view; replaceable so the sorting below can be tested against a local server. */
  probe?: (apiBase: string, token?: string) => Promise<ProbeResult>;
}

const TOKEN_HELP = "see the README's table of token kinds";

/** Checks sign-in the way the runtime does it, then asks GitHub directly to explain a failure. */
export async function checkSignIn(deps: SignInDeps): Promise<SignInResult> {
  const { source } = deps;
  if (source.kind === "token") {
    const kind = tokenKind(source.token);
    if (kind && !kind.accepted) {
      return problem(
        "token_kind",
        `${source.variable} holds a ${kind.name}, which Copilot does not accept: create a fine-grained personal access token with the "Copilot Requests" permission, or use an OAuth token from \`gh auth token\` (${TOKEN_HELP}).`,
        true,
      );
    }
  }
  const status = await deps.authStatus().catch(() => undefined);
  if (status?.isAuthenticated) {
    return { ok: true, ...(status.login ? { login: status.login } : {}), ...(status.authType ? { authType: status.authType } : {}) };
  }
  return { ok: false, problem: await explain(deps) };
}

/** Why sign-in failed, from GitHub's answer to the same credentials. */
export async function explain(deps: SignInDeps): Promise<SignInProblem> {
  const { source } = deps;
  const apiBase = githubApiBase(deps.githubHost);
  const host = new URL(apiBase).host;
  const probe = deps.probe ?? probeGitHub;
  const answer = await probe(apiBase, source.kind === "token" ? source.token : undefined);
  if (!answer.reachable || answer.status >= 500) {
    const why = answer.reachable ? `it answered HTTP ${answer.status}` : answer.reason;
    return {
      kind: "unreachable",
      sentence: `GitHub (${host}) could not be reached to sign in to Copilot (${why}): this is a network problem, not bad credentials; check the machine's connection, or HTTPS_PROXY if it needs a proxy.`,
      fatal: false,
    };
  }
  if (source.kind === "logged-in-user") {
    return problemOf(
      "not_signed_in",
      "COPILOT_USE_LOGGED_IN_USER is true but no Copilot sign-in was found for this user: run `copilot login` (or `gh auth login`) as the user that runs the bot, or set GITHUB_TOKEN instead.",
    );
  }
  if (answer.status === 401) {
    return problemOf(
      "credentials",
      `GitHub refused the token in ${source.variable} (expired, revoked or mistyped): create a new one (${TOKEN_HELP}) and restart.`,
    );
  }
  const who = answer.login ? `the GitHub account ${answer.login}` : "the GitHub account";
  return problemOf(
    "no_access",
    `The token in ${source.variable} signs in as ${who}, but Copilot refused it: the account needs a Copilot plan or seat (and an organisation's Copilot CLI policy enabled), and a fine-grained token needs the "Copilot Requests" permission.`,
  );
}

function problemOf(kind: SignInProblemKind, sentence: string): SignInProblem {
  return { kind, sentence, fatal: true };
}

function problem(kind: SignInProblemKind, sentence: string, fatal: boolean): SignInResult {
  return { ok: false, problem: { kind, sentence, fatal } };
}
