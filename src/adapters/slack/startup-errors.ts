/**
 * What Slack's refusals at start-up mean for the user, as one sentence naming the variable to fix: auth.test
 * checks SLACK_BOT_TOKEN, apps.connections.open checks SLACK_APP_TOKEN, and neither answering at all is a network
 * problem with SLACK_API_URL, not a credentials problem.
 */
import { StartupError } from "../../startup/startup-error.js";
import { displayUrl, networkFailure, unreachableSentence } from "../../startup/network-failure.js";

/** Errors Slack documents as its own passing trouble: worth a retry, and no reason to blame the token. */
const TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/** Slack's error codes for a token it will not take, grouped by what the user has to do about it. */
const REFUSALS: Record<string, "rejected" | "revoked" | "deactivated" | "wrong_type" | "missing_scope"> = {
  invalid_auth: "rejected",
  not_authed: "rejected",
  token_revoked: "revoked",
  token_expired: "revoked",
  account_inactive: "deactivated",
  team_disabled: "deactivated",
  user_removed_from_team: "deactivated",
  not_allowed_token_type: "wrong_type",
  missing_scope: "missing_scope",
};

const BOT_TOKEN_SOURCE = "the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page";
const APP_TOKEN_SOURCE =
  "an app-level token (xapp-…) with the connections:write scope, made under Basic Information → App-Level Tokens";

/** True for a Slack error code that says Slack itself is having trouble (retrying may help). */
export function isTransientSlackError(code: string): boolean {
  return TRANSIENT.has(code);
}

/** The Slack error code of a Web API platform error (`{ok: false, error}`), if it is one. */
export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { code?: unknown; data?: { error?: unknown } } | undefined)?.data;
  return (error as { code?: unknown }).code === "slack_webapi_platform_error" && typeof data?.error === "string"
    ? data.error
    : undefined;
}

/** auth.test failed at start: the bot token, or SLACK_API_URL. Anything not understood is returned unchanged. */
export function botTokenFailure(error: unknown, apiUrl: string): unknown {
  const code = slackErrorCode(error);
  if (code !== undefined) return new StartupError("SLACK_BOT_TOKEN", botTokenSentence(code), { cause: error });
  return transportFailure(error, apiUrl) ?? error;
}

/** apps.connections.open failed at start: the app token, or SLACK_API_URL. Anything not understood is unchanged. */
export function appTokenFailure(error: unknown, apiUrl: string): unknown {
  const code = slackErrorCode(error);
  if (code !== undefined) return appTokenRefusal(code);
  return transportFailure(error, apiUrl) ?? error;
}

/** The sentence for apps.connections.open answering `{ok: false, error: code}`. */
export function appTokenRefusal(code: string): StartupError {
  return new StartupError("SLACK_APP_TOKEN", appTokenSentence(code));
}

function botTokenSentence(code: string): string {
  if (isTransientSlackError(code)) {
    return `Slack could not check SLACK_BOT_TOKEN (${code}, a problem on Slack's side): try again in a minute.`;
  }
  switch (REFUSALS[code]) {
    case "rejected":
      return `Slack rejected SLACK_BOT_TOKEN (${code}): copy ${BOT_TOKEN_SOURCE} into SLACK_BOT_TOKEN.`;
    case "revoked":
      return `Slack says SLACK_BOT_TOKEN is no longer valid (${code}): reinstall the app to the workspace and copy the new Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN.`;
    case "deactivated":
      return `Slack says the bot behind SLACK_BOT_TOKEN is deactivated (${code}): reinstall the app to an active workspace and copy its Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN.`;
    case "wrong_type":
      return `SLACK_BOT_TOKEN is not a bot token (${code}): copy ${BOT_TOKEN_SOURCE} into SLACK_BOT_TOKEN.`;
    default:
      return `Slack refused SLACK_BOT_TOKEN (${code}): check that SLACK_BOT_TOKEN holds ${BOT_TOKEN_SOURCE} and that the app is installed.`;
  }
}

function appTokenSentence(code: string): string {
  if (isTransientSlackError(code)) {
    return `Slack could not check SLACK_APP_TOKEN (${code}, a problem on Slack's side): try again in a minute.`;
  }
  switch (REFUSALS[code]) {
    case "rejected":
      return `Slack rejected SLACK_APP_TOKEN (${code}): put ${APP_TOKEN_SOURCE}, into SLACK_APP_TOKEN.`;
    case "revoked":
      return `Slack says SLACK_APP_TOKEN is no longer valid (${code}): put a new app-level token (xapp-…) with the connections:write scope, made under Basic Information → App-Level Tokens, into SLACK_APP_TOKEN.`;
    case "deactivated":
      return `Slack says the app behind SLACK_APP_TOKEN is deactivated (${code}): reinstall the app to an active workspace and put a new app-level token (xapp-…) into SLACK_APP_TOKEN.`;
    case "wrong_type":
      return `SLACK_APP_TOKEN is not an app-level token (${code}): put ${APP_TOKEN_SOURCE}, into SLACK_APP_TOKEN.`;
    case "missing_scope":
      return `SLACK_APP_TOKEN lacks the connections:write scope (${code}): put ${APP_TOKEN_SOURCE}, into SLACK_APP_TOKEN.`;
    default:
      return `Slack refused to open a Socket Mode connection with SLACK_APP_TOKEN (${code}): check that Socket Mode is on for the app and that SLACK_APP_TOKEN holds ${APP_TOKEN_SOURCE}.`;
  }
}

/** No answer at all (network), or an answer that is not Slack's Web API (an HTTP error page). */
function transportFailure(error: unknown, apiUrl: string): StartupError | undefined {
  const failure = networkFailure(error);
  if (failure !== undefined) {
    return new StartupError("SLACK_API_URL", unreachableSentence("Slack", "SLACK_API_URL", apiUrl, failure), { cause: error });
  }
  const status = (error as { code?: unknown; statusCode?: unknown }).code === "slack_webapi_http_error"
    ? (error as { statusCode?: unknown }).statusCode
    : undefined;
  if (typeof status === "number") {
    return new StartupError(
      "SLACK_API_URL",
      `Slack's Web API at ${displayUrl(apiUrl)} answered HTTP ${status}: check SLACK_API_URL (it ends in /api/; leave it unset for Slack itself).`,
      { cause: error },
    );
  }
  return undefined;
}
