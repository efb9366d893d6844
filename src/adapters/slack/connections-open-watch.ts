/**
 * Socket Mode's client treats only a few of apps.connections.open's refusals as final (invalid_auth, not_authed,
 * account_inactive, ...); any other (token_revoked, not_allowed_token_type, missing_scope) makes it retry forever,
 * so a wrong SLACK_APP_TOKEN would hang the start with nothing said. The client takes a `fetch` (a documented
 * Web API client option): this one passes every request through and reports the error code of each refused
 * apps.connections.open, so the start can end with a sentence instead.
 */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function watchConnectionsOpen(
  onRefused: (code: string) => void,
  fetchImpl: FetchFunction = globalThis.fetch,
): FetchFunction {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    // Slack answers a refusal with HTTP 200 and {ok: false, error}; a 429 is rate limiting, which the client waits out.
    if (response.status === 200 && new URL(url).pathname.endsWith("/apps.connections.open")) {
      void response
        .clone()
        .json()
        .then((body: unknown) => {
          const { ok, error } = (body ?? {}) as { ok?: unknown; error?: unknown };
          if (ok === false && typeof error === "string") onRefused(error);
        })
        .catch(() => undefined);
    }
    return response;
  };
}
