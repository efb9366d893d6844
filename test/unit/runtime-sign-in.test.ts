import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubApiBase, probeGitHub } from "../../src/runtime/github-probe.js";
import { checkSignIn, type SignInDeps } from "../../src/runtime/sign-in.js";
import { tokenKind } from "../../src/runtime/token-kinds.js";

/** A local stand-in for GitHub's `GET /user`: answers by token, and records what it was sent. */
let server: Server;
let base: string;
const seen: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const auth = req.headers.authorization;
    seen.push(auth);
    if (req.url !== "/user") return void res.writeHead(404).end();
    if (auth === "Bearer gho_refused") return void res.writeHead(401).end('{"message":"Bad credentials"}');
    if (auth === "Bearer gho_flaky") return void res.writeHead(503).end();
    res.writeHead(200, { "content-type": "application/json" }).end('{"login":"octocat"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const notAuthenticated = async () => ({ isAuthenticated: false, statusMessage: "Not authenticated" });

function deps(token: string | undefined, apiBase = base): SignInDeps {
  return {
    source: token ? { kind: "token", token, variable: "GITHUB_TOKEN" } : { kind: "logged-in-user" },
    githubHost: "github.com",
    authStatus: notAuthenticated,
    probe: (_ignored, t) => probeGitHub(apiBase, t),
  };
}

describe("checkSignIn", () => {
  it("accepts what the runtime accepts, with the login", async () => {
    const result = await checkSignIn({ ...deps("gho_ok"), authStatus: async () => ({ isAuthenticated: true, login: "octocat", authType: "env" }) });
    expect(result).toEqual({ ok: true, login: "octocat", authType: "env" });
  });

  it("refuses a classic token before anything is sent, naming the variable", async () => {
    const before = seen.length;
    const result = await checkSignIn(deps("ghp_classic"));
    expect(result).toMatchObject({ ok: false, problem: { kind: "token_kind", fatal: true } });
    expect(!result.ok && result.problem.sentence).toMatch(/^GITHUB_TOKEN holds a classic personal access token/);
    expect(seen.length).toBe(before);
  });

  it("tells a token GitHub refuses from an account without Copilot", async () => {
    const refused = await checkSignIn(deps("gho_refused"));
    expect(refused).toMatchObject({ ok: false, problem: { kind: "credentials", fatal: true } });
    expect(!refused.ok && refused.problem.sentence).toMatch(/GitHub refused the token in GITHUB_TOKEN/);
    const noCopilot = await checkSignIn(deps("gho_fine"));
    expect(noCopilot).toMatchObject({ ok: false, problem: { kind: "no_access", fatal: true } });
    expect(!noCopilot.ok && noCopilot.problem.sentence).toMatch(/signs in as the GitHub account octocat, but Copilot refused it/);
    expect(seen.at(-1)).toBe("Bearer gho_fine");
  });

  it("calls a closed port or a GitHub 5xx a network problem that may pass", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const closed = await checkSignIn(deps("gho_any", `http://127.0.0.1:${closedPort}`));
    expect(closed).toMatchObject({ ok: false, problem: { kind: "unreachable", fatal: false } });
    expect(!closed.ok && closed.problem.sentence).toMatch(/ECONNREFUSED.*a network problem, not bad credentials/);
    expect(await checkSignIn(deps("gho_flaky"))).toMatchObject({ ok: false, problem: { kind: "unreachable", fatal: false } });
  });

  it("tells a CLI user with no sign-in to run copilot login", async () => {
    const result = await checkSignIn(deps(undefined));
    expect(result).toMatchObject({ ok: false, problem: { kind: "not_signed_in", fatal: true } });
    expect(!result.ok && result.problem.sentence).toMatch(/run `copilot login`/);
    expect(seen.at(-1)).toBeUndefined();
  });
});

describe("token kinds and hosts", () => {
  it("knows GitHub's prefixes and leaves unknown ones to the runtime", () => {
    expect(tokenKind("github_pat_11AB")).toEqual({ name: "fine-grained personal access token", accepted: true });
    expect(tokenKind("gho_x")?.accepted).toBe(true);
    expect(tokenKind("ghu_x")?.accepted).toBe(true);
    expect(tokenKind("ghs_x")?.accepted).toBe(true);
    expect(tokenKind("ghp_x")?.accepted).toBe(false);
    expect(tokenKind("something-else")).toBeUndefined();
  });

  it("maps a host to its API base", () => {
    expect(githubApiBase("github.com")).toBe("https://api.github.com");
    expect(githubApiBase("octo.ghe.com")).toBe("https://api.octo.ghe.com");
    expect(githubApiBase("https://octo.ghe.com/")).toBe("https://api.octo.ghe.com");
  });
});
