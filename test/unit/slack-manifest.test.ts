import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

/** Every scope and event the adapter relies on is asked for in the manifest. */
test("the Slack app manifest asks for every scope and event the bot uses", () => {
  const manifest = readFileSync(new URL("../../slack-app-manifest.yml", import.meta.url), "utf8");
  const listed = new Set([...manifest.matchAll(/^\s*-\s*([a-z_.:]+)/gm)].map((m) => m[1]));
  const scopes = ["app_mentions:read", "channels:history", "groups:history", "im:history", "mpim:history", "chat:write", "commands", "assistant:write", "users:read", "files:read", "files:write", "reactions:read"];
  const events = ["app_mention", "message.channels", "message.groups", "message.im", "message.mpim", "reaction_added", "assistant_thread_started"];
  for (const name of [...scopes, ...events]) expect(listed, name).toContain(name);
  expect(manifest).toMatch(/socket_mode_enabled: true/);
  // The message shortcut the adapter listens for, and the assistant panel.
  expect(manifest).toMatch(/callback_id: ask_copilot_thread/);
  expect(manifest).toMatch(/assistant_view:/);
  expect(manifest).toMatch(/command: \/copilot/);
  expect(manifest).toMatch(/interactivity:\s*\n\s*is_enabled: true/);
});

/** The README's set-up step names exactly the manifest's bot scopes, so a newcomer installs what the bot asks for. */
test("the README's Slack scope list matches the manifest", () => {
  const manifest = readFileSync(new URL("../../slack-app-manifest.yml", import.meta.url), "utf8");
  const botScopes = manifest.split(/^\s*bot:\s*$/m)[1]!.split(/^settings:/m)[0]!;
  const inManifest = [...botScopes.matchAll(/^\s*-\s*([a-z_.:]+)/gm)].map((m) => m[1]).sort();
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const step = /It asks for the\s+scopes the bot needs \(([^)]*)\)/.exec(readme);
  expect(step, "the README's Slack set-up step lists the scopes").not.toBeNull();
  const inReadme = [...step![1]!.matchAll(/`([a-z_.:]+)`/g)].map((m) => m[1]).sort();
  expect(inReadme).toEqual(inManifest);
});
