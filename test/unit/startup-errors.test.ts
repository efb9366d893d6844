/**
 * The sentences start-up failures become (our own translation logic): busy and privileged ports, network failures
 * told apart from refusals, Slack's and Discord's refusal codes, and the rate-limited signature warning. The
 * errors are the libraries' own classes, built as they build them; the process-level tests in
 * test/integration/startup-errors.test.ts show the same sentences coming out of the real entry point.
 */
import { webApi } from "@slack/bolt";
import { DiscordAPIError, DiscordjsError, DiscordjsErrorCodes } from "discord.js";
import { describe, expect, it } from "vitest";
import { loginFailure } from "../../src/adapters/discord/startup-errors.js";
import { watchConnectionsOpen } from "../../src/adapters/slack/connections-open-watch.js";
import { SIGNATURE_WARNING, SignatureFailureWarning } from "../../src/adapters/slack/signature-warning.js";
import { appTokenFailure, botTokenFailure } from "../../src/adapters/slack/startup-errors.js";
import { listenFailure } from "../../src/startup/listen-failure.js";
import { displayUrl, networkFailure } from "../../src/startup/network-failure.js";
import { StartupError } from "../../src/startup/startup-error.js";
import { captureLogs } from "../support/log-capture.js";

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });
/** What fetch (undici) throws when nothing listens: a TypeError whose cause is the socket's error. */
const fetchRefused = () => new TypeError("fetch failed", { cause: errno("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9") });
const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });
const API = "http://127.0.0.1:9/api/";
/** discord.js's own error as its login throws it (the constructor is private in its types only). */
const discordjsError = (code: string) => new (DiscordjsError as unknown as new (code: string) => Error)(code);

describe("listenFailure", () => {
  it("names the variable and the fix for a port in use, a privileged port, and anything else", () => {
    expect(listenFailure("SLACK_PORT", 3000, errno("EADDRINUSE", "listen EADDRINUSE"))).toMatchObject({
      variable: "SLACK_PORT",
      message: "Port 3000 (SLACK_PORT) is already in use by another program: stop that program or set SLACK_PORT to a free port.",
    });
    expect(listenFailure("HEALTH_PORT", 80, errno("EACCES", "listen EACCES: permission denied 0.0.0.0:80")).message).toBe(
      "Not allowed to listen on port 80 (HEALTH_PORT): ports below 1024 need extra privileges, so set HEALTH_PORT to 1024 or above.",
    );
    expect(listenFailure("HEALTH_PORT", 9, errno("EADDRNOTAVAIL", "listen EADDRNOTAVAIL")).message).toBe(
      "Could not listen on port 9 (HEALTH_PORT): listen EADDRNOTAVAIL.",
    );
  });
});

describe("networkFailure", () => {
  it("finds the socket's reason inside fetch's, the Slack client's and node-redis's wrappers", () => {
    expect(networkFailure(fetchRefused())).toBe("connect ECONNREFUSED 127.0.0.1:9");
    expect(networkFailure(new webApi.WebAPIRequestError(fetchRefused()))).toBe("connect ECONNREFUSED 127.0.0.1:9");
    const both = new AggregateError([errno("ECONNREFUSED", "connect ECONNREFUSED ::1:6379"), errno("ECONNREFUSED", "x")], "");
    expect(networkFailure(both)).toBe("connect ECONNREFUSED ::1:6379");
    expect(networkFailure(errno("ENOTFOUND", "getaddrinfo ENOTFOUND slack.example"))).toBe("getaddrinfo ENOTFOUND slack.example");
    expect(networkFailure(Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }))).toBe(
      "the request timed out",
    );
  });

  it("is undefined for a refusal, so a bad token is never called a network problem", () => {
    expect(networkFailure(platform("invalid_auth"))).toBeUndefined();
    expect(networkFailure(new DiscordAPIError({ message: "401: Unauthorized", code: 0 }, 0, 401, "GET", "/gateway/bot", {}))).toBeUndefined();
    expect(networkFailure(new Error("something else"))).toBeUndefined();
  });

  it("shows a URL without the user name and password a proxy URL may carry", () => {
    expect(displayUrl("http://user:s3cret@proxy.example:8080/api/")).toBe("http://proxy.example:8080/api/");
    expect(displayUrl("https://slack.com/api/")).toBe("https://slack.com/api/");
  });
});

describe("Slack at start", () => {
  it.each([
    ["invalid_auth", /^Slack rejected SLACK_BOT_TOKEN \(invalid_auth\): copy the Bot User OAuth Token/],
    ["not_authed", /^Slack rejected SLACK_BOT_TOKEN \(not_authed\)/],
    ["token_revoked", /^Slack says SLACK_BOT_TOKEN is no longer valid \(token_revoked\): reinstall the app/],
    ["account_inactive", /^Slack says the bot behind SLACK_BOT_TOKEN is deactivated \(account_inactive\)/],
    ["not_allowed_token_type", /^SLACK_BOT_TOKEN is not a bot token \(not_allowed_token_type\)/],
    ["internal_error", /^Slack could not check SLACK_BOT_TOKEN \(internal_error, a problem on Slack's side\)/],
    ["something_new", /^Slack refused SLACK_BOT_TOKEN \(something_new\)/],
  ])("auth.test answering %s names SLACK_BOT_TOKEN", (code, sentence) => {
    const failure = botTokenFailure(platform(code), API);
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure).toMatchObject({ variable: "SLACK_BOT_TOKEN", message: expect.stringMatching(sentence) });
  });

  it.each([
    ["invalid_auth", /^Slack rejected SLACK_APP_TOKEN \(invalid_auth\): put an app-level token \(xapp-…\) with the connections:write scope/],
    ["token_revoked", /^Slack says SLACK_APP_TOKEN is no longer valid \(token_revoked\)/],
    ["not_allowed_token_type", /^SLACK_APP_TOKEN is not an app-level token \(not_allowed_token_type\)/],
    ["missing_scope", /^SLACK_APP_TOKEN lacks the connections:write scope \(missing_scope\)/],
    ["team_disabled", /^Slack says the app behind SLACK_APP_TOKEN is deactivated \(team_disabled\)/],
    ["something_new", /^Slack refused to open a Socket Mode connection with SLACK_APP_TOKEN \(something_new\): check that Socket Mode is on/],
  ])("apps.connections.open answering %s names SLACK_APP_TOKEN", (code, sentence) => {
    expect(appTokenFailure(platform(code), API)).toMatchObject({ variable: "SLACK_APP_TOKEN", message: expect.stringMatching(sentence) });
  });

  it("no answer, or an answer that is not the Web API, names SLACK_API_URL", () => {
    expect(botTokenFailure(new webApi.WebAPIRequestError(fetchRefused()), API)).toMatchObject({
      variable: "SLACK_API_URL",
      message:
        "Could not reach Slack at http://127.0.0.1:9/api/ (connect ECONNREFUSED 127.0.0.1:9): this is a network problem, " +
        "not bad credentials; check the network or proxy, or correct SLACK_API_URL.",
    });
    expect(appTokenFailure(new webApi.WebAPIHTTPError(404, "Not Found", {}, "<html>"), "http://u:pw@proxy/x/")).toMatchObject({
      variable: "SLACK_API_URL",
      message: "Slack's Web API at http://proxy/x/ answered HTTP 404: check SLACK_API_URL (it ends in /api/; leave it unset for Slack itself).",
    });
  });

  it("returns an error it does not understand unchanged", () => {
    const odd = new Error("odd");
    expect(botTokenFailure(odd, API)).toBe(odd);
    expect(appTokenFailure(odd, API)).toBe(odd);
  });
});

describe("watchConnectionsOpen", () => {
  const answer = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status });

  it("reports apps.connections.open refusals and passes every response through untouched", async () => {
    const refused: string[] = [];
    const watched = watchConnectionsOpen((code) => refused.push(code), answer(200, { ok: false, error: "token_revoked" }));
    const response = await watched("http://127.0.0.1:9/api/apps.connections.open", { method: "POST" });
    expect(await response.json()).toEqual({ ok: false, error: "token_revoked" });
    await expect.poll(() => refused).toEqual(["token_revoked"]);
  });

  it("ignores success, rate limiting and other methods", async () => {
    const refused: string[] = [];
    await watchConnectionsOpen((c) => refused.push(c), answer(200, { ok: true, url: "ws://x" }))("http://h/api/apps.connections.open");
    await watchConnectionsOpen((c) => refused.push(c), answer(429, { ok: false, error: "ratelimited" }))("http://h/api/apps.connections.open");
    await watchConnectionsOpen((c) => refused.push(c), answer(200, { ok: false, error: "invalid_auth" }))("http://h/api/auth.test");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(refused).toEqual([]);
  });
});

describe("Discord at start", () => {
  it("a refused token names DISCORD_TOKEN, whether the gateway or REST refused it", () => {
    for (const error of [
      discordjsError(DiscordjsErrorCodes.TokenInvalid),
      new DiscordAPIError({ message: "401: Unauthorized", code: 0 }, 0, 401, "GET", "/gateway/bot", {}),
    ]) {
      expect(loginFailure(error, "https://discord.com/api")).toMatchObject({
        variable: "DISCORD_TOKEN",
        message: "Discord rejected the bot token: copy it again from the Developer Portal (Bot → Reset Token) into DISCORD_TOKEN.",
      });
    }
  });

  it("a missing intent says where to enable it; no answer names DISCORD_API_URL as a network problem", () => {
    expect(loginFailure(discordjsError(DiscordjsErrorCodes.DisallowedIntents), "x").message).toMatch(/Privileged Gateway Intents/);
    expect(loginFailure(errno("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9"), "http://127.0.0.1:9/api")).toMatchObject({
      variable: "DISCORD_API_URL",
      message: expect.stringMatching(/^Could not reach Discord at http:\/\/127\.0\.0\.1:9\/api \(connect ECONNREFUSED 127\.0\.0\.1:9\): this is a network problem, not bad credentials/),
    });
  });

  it("anything else keeps its own message, and is not passed off as understood", () => {
    const failure = loginFailure(new DiscordAPIError({ message: "500: Internal Server Error", code: 0 }, 0, 500, "GET", "/gateway/bot", {}), "x");
    expect(failure).not.toBeInstanceOf(StartupError);
    expect(failure.message).toBe("Could not connect to Discord: 500: Internal Server Error");
  });
});

describe("SignatureFailureWarning", () => {
  it("warns at once, then at most once per interval with the count of refusals since", () => {
    const { logger, logs } = captureLogs("info");
    let now = 1_000_000;
    const warning = new SignatureFailureWarning(logger, 60_000, () => now);
    for (let i = 0; i < 500; i++) warning.note();
    expect(logs.filter((l) => l.msg === SIGNATURE_WARNING)).toEqual([expect.objectContaining({ level: 40, refused: 1 })]);
    now += 59_999;
    warning.note();
    expect(logs.filter((l) => l.msg === SIGNATURE_WARNING)).toHaveLength(1);
    now += 1;
    warning.note();
    expect(logs.filter((l) => l.msg === SIGNATURE_WARNING).map((l) => l.refused)).toEqual([1, 501]);
    expect(SIGNATURE_WARNING).toContain("SLACK_SIGNING_SECRET");
  });
});
