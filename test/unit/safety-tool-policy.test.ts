import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PermissionRequest } from "@github/copilot-sdk";
import { describe, expect, it } from "vitest";
import { BUILT_IN_TOOL_POLICY, builtInToolsFor, isUnderRoots, toolPolicy } from "../../src/safety/tool-policy.js";

const invocation = { sessionId: "s1" };
const shell = { kind: "shell", fullCommandText: "rm -rf /", commands: [], intention: "x" } as unknown as PermissionRequest;
const write = { kind: "write", fileName: "/tmp/x", diff: "", intention: "x" } as unknown as PermissionRequest;
const url = { kind: "url", url: "https://example.com", intention: "x" } as unknown as PermissionRequest;
const read = (path: string) => ({ kind: "read", path, intention: "x" }) as unknown as PermissionRequest;
const custom = (toolName: string) => ({ kind: "custom-tool", toolName, toolDescription: "" }) as unknown as PermissionRequest;

describe("tool policy table", () => {
  it("offers no built-in tool in mode none, and nothing that runs, writes or fetches in read-only", () => {
    expect(builtInToolsFor("none")).toEqual([]);
    const readOnly = builtInToolsFor("read-only");
    expect(readOnly.sort()).toEqual(["glob", "grep", "view"]);
    const dangerous = BUILT_IN_TOOL_POLICY.filter((r) => ["shell", "file-write", "web"].includes(r.group));
    expect(dangerous.map((r) => r.tool)).toEqual(expect.arrayContaining(["bash", "create", "edit", "web_fetch"]));
    for (const rule of dangerous) expect(rule.from).toBe("all");
  });

  it("lists tools explicitly: only custom tools by default", () => {
    expect(toolPolicy("none", ["advisor", "read_thread"]).availableTools).toEqual(["custom:advisor", "custom:read_thread"]);
    expect(toolPolicy("read-only", ["advisor"]).availableTools).toEqual([
      "builtin:view",
      "builtin:grep",
      "builtin:glob",
      "custom:advisor",
    ]);
    expect(toolPolicy("all", ["advisor"]).availableTools).toEqual(["builtin:*", "custom:advisor"]);
  });

  it("offers the skill tool in every mode once skills are configured", () => {
    expect(builtInToolsFor("none")).toEqual([]);
    expect(builtInToolsFor("none", { skills: true })).toEqual(["skill"]);
    expect(toolPolicy("none", ["advisor"], { skills: true }).availableTools).toEqual(["builtin:skill", "custom:advisor"]);
    expect(builtInToolsFor("read-only", { skills: true })).toContain("skill");
  });

  it("never hands the runtime an empty list (which could mean everything)", () => {
    expect(toolPolicy("none", []).availableTools).toHaveLength(1);
    expect(toolPolicy("none", []).availableTools[0]).not.toMatch(/^builtin:/);
  });

  it("answers user-not-available (not reject) to shell, write and URL requests unless mode is all", async () => {
    for (const mode of ["none", "read-only"] as const) {
      const { onPermissionRequest, warning } = toolPolicy(mode, ["advisor"]);
      expect(warning).toBeUndefined();
      for (const request of [shell, write, url]) {
        expect(await onPermissionRequest(request, invocation)).toEqual({ kind: "user-not-available" });
      }
    }
    const all = toolPolicy("all", []);
    expect(all.warning).toMatch(/shell/);
    for (const request of [shell, write, url, read("/etc/passwd")]) {
      expect(await all.onPermissionRequest(request, invocation)).toEqual({ kind: "approve-once" });
    }
  });

  it("approves its own custom tools only", async () => {
    const { onPermissionRequest } = toolPolicy("none", ["advisor"]);
    expect(await onPermissionRequest(custom("advisor"), invocation)).toEqual({ kind: "approve-once" });
    expect(await onPermissionRequest(custom("other"), invocation)).toEqual({ kind: "user-not-available" });
  });

  it("read-only approves reads under the repository roots only, symlinks resolved", async () => {
    const base = mkdtempSync(join(tmpdir(), "policy-"));
    const repos = join(base, "repos");
    mkdirSync(join(repos, "app"), { recursive: true });
    writeFileSync(join(repos, "app", "a.ts"), "x");
    writeFileSync(join(base, "secret.env"), "TOKEN");
    symlinkSync(join(base, "secret.env"), join(repos, "app", "link.env"));

    const { onPermissionRequest } = toolPolicy("read-only", [], { readRoots: [repos] });
    const answer = async (path: string) => (await onPermissionRequest(read(path), invocation)) as { kind: string };
    expect((await answer(join(repos, "app", "a.ts"))).kind).toBe("approve-once");
    expect((await answer(repos)).kind).toBe("approve-once");
    expect((await answer(join(base, "secret.env"))).kind).toBe("user-not-available");
    expect((await answer(join(repos, "..", "secret.env"))).kind).toBe("user-not-available");
    expect((await answer(join(repos, "app", "link.env"))).kind).toBe("user-not-available");
    expect((await answer(`${repos}-other/x`)).kind).toBe("user-not-available");
    // Mode none refuses reads even under the roots.
    const none = toolPolicy("none", [], { readRoots: [repos] });
    expect(await none.onPermissionRequest(read(join(repos, "app", "a.ts")), invocation)).toEqual({ kind: "user-not-available" });
  });

  it("treats a file named ..x inside a root as inside", () => {
    expect(isUnderRoots("/r/..x", ["/r"])).toBe(true);
    expect(isUnderRoots("/r/../x", ["/r"])).toBe(false);
    expect(isUnderRoots(undefined, ["/r"])).toBe(false);
    expect(isUnderRoots("/r/a", [])).toBe(false);
  });

  it("refuses unknown request kinds and malformed requests without throwing", async () => {
    const { onPermissionRequest } = toolPolicy("read-only", [], { readRoots: ["/"] });
    expect(await onPermissionRequest({ kind: "memory" } as unknown as PermissionRequest, invocation)).toEqual({
      kind: "user-not-available",
    });
    expect(await onPermissionRequest({ kind: "read" } as unknown as PermissionRequest, invocation)).toEqual({
      kind: "user-not-available",
    });
  });

  it("rejects an unknown mode", () => {
    expect(() => toolPolicy("everything" as never, [])).toThrow(/Unknown tool policy/);
  });
});

describe("logToolPolicy", () => {
  it("warns loudly for all and notes the policy otherwise", async () => {
    const { logToolPolicy } = await import("../../src/safety/tool-policy.js");
    const lines: Array<[string, unknown, string]> = [];
    const logger = {
      warn: (obj: unknown, msg: string) => lines.push(["warn", obj, msg]),
      info: (obj: unknown, msg: string) => lines.push(["info", obj, msg]),
    } as unknown as import("pino").Logger;
    logToolPolicy(logger, toolPolicy("all", []));
    logToolPolicy(logger, toolPolicy("none", ["advisor"]));
    expect(lines[0]![0]).toBe("warn");
    expect(lines[0]![2]).toMatch(/Anyone who can message the bot can run commands/);
    expect(lines[1]).toEqual(["info", { toolPolicy: "none", availableTools: ["custom:advisor"] }, "Tool policy in force"]);
  });
});
