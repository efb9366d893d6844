/**
 * Which kinds of GitHub token Copilot accepts, told from the token's prefix before anything is sent anywhere.
 * GitHub's own table (Copilot CLI, "Authentication errors"): OAuth tokens from `copilot login` / `gh auth login`,
 * fine-grained personal access tokens with the "Copilot Requests" permission, GitHub App user tokens and GitHub
 * App installation tokens with the Copilot requests permission work; classic personal access tokens are refused.
 */

export interface TokenKind {
  /** What GitHub calls this kind of token. */
  name: string;
  accepted: boolean;
}

const KINDS: Array<[prefix: string, kind: TokenKind]> = [
  ["github_pat_", { name: "fine-grained personal access token", accepted: true }],
  ["gho_", { name: "OAuth token", accepted: true }],
  ["ghu_", { name: "GitHub App user token", accepted: true }],
  ["ghs_", { name: "GitHub App installation token", accepted: true }],
  ["ghp_", { name: "classic personal access token", accepted: false }],
  ["ghr_", { name: "refresh token", accepted: false }],
];

/** The kind of `token`, or undefined for a prefix GitHub does not document (left to the runtime to judge). */
export function tokenKind(token: string): TokenKind | undefined {
  return KINDS.find(([prefix]) => token.startsWith(prefix))?.[1];
}
