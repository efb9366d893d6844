/**
 * Telling a network failure (nothing listening, no DNS, a timeout, a TLS problem) from a refusal by the service:
 * the first is fixed in the network or the URL setting, the second in the credentials, and a user told "bad
 * token" when the proxy is down loses an hour.
 */

/** Error codes of Node's sockets, DNS, TLS and undici (fetch) that mean the request never got an answer. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Libraries wrap the socket's error (fetch's `cause`, the Slack client's `original`, AggregateError's `errors`). */
function* causes(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || error === undefined || depth > 6) return;
  yield error;
  if (typeof error !== "object") return;
  const wrapper = error as { cause?: unknown; original?: unknown; errors?: unknown };
  yield* causes(wrapper.cause, depth + 1);
  yield* causes(wrapper.original, depth + 1);
  if (Array.isArray(wrapper.errors)) for (const inner of wrapper.errors.slice(0, 3)) yield* causes(inner, depth + 1);
}

/**
 * What fetch (undici) says, with no code, of a URL whose port is on the WHATWG blocked-port list (9, 25, 6000, …):
 * it never tries to connect. Said alone, "bad port" reads like a typo in the URL.
 */
const BLOCKED_PORT = "bad port";
const BLOCKED_PORT_SENTENCE = "bad port: fetch refuses ports on the WHATWG blocked-port list, such as 9 and 6000; use another port";

/**
 * When `error` is a network failure, a short description of it ("connect ECONNREFUSED 127.0.0.1:9"); otherwise
 * undefined.
 */
export function networkFailure(error: unknown): string | undefined {
  for (const inner of causes(error)) {
    if (typeof inner !== "object" || inner === null) continue;
    const { code, name, message } = inner as { code?: unknown; name?: unknown; message?: unknown };
    if (message === BLOCKED_PORT) return BLOCKED_PORT_SENTENCE;
    const text = typeof message === "string" && message !== "" ? message : String(code ?? name);
    if (typeof code === "string" && NETWORK_CODES.has(code)) return text.includes(code) ? text : `${code}: ${text}`;
    if (name === "TimeoutError" || name === "ConnectTimeoutError") return "the request timed out";
  }
  return undefined;
}

/** A URL as it may be shown: any user name or password in it (a proxy's, say) removed. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

/** The sentence for a service that could not be reached at the URL a variable names. */
export function unreachableSentence(service: string, variable: string, url: string, failure: string): string {
  return (
    `Could not reach ${service} at ${displayUrl(url)} (${failure}): this is a network problem, not bad ` +
    `credentials; check the network or proxy, or correct ${variable}.`
  );
}
