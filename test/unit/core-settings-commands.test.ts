/** The settings commands' rules (model choice checked against the list, reset, instructions cap) and how an answer reads them. */
import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { INSTRUCTIONS_MAX_CHARS, readConversationSettings } from "../../src/core/conversation-settings.js";
import { modelFooter, withFooter, withoutFooter } from "../../src/core/model-footer.js";
import { MODELS_UNAVAILABLE, SettingsCommands, type ModelCatalog, type SettingsPlace } from "../../src/core/settings-commands.js";
import { matchSubcommand } from "../../src/adapters/slack/copilot-subcommands.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { openStore } from "../../src/store/open-store.js";
import type { StateStore } from "../../src/store/types.js";

const logger = pino({ level: "silent" });
let store: StateStore;

beforeEach(async () => {
  store = await openStore("memory://", logger);
});
afterEach(async () => {
  await store.close();
});

const catalog = (overrides: Partial<ModelCatalog> = {}): ModelCatalog => ({
  defaultModel: "base",
  list: async () => [
    { id: "base", name: "Base", efforts: [] },
    { id: "deep", name: "Deep", efforts: ["low", "high"] },
  ],
  ...overrides,
});

/** A thread in a channel: reads thread then channel; writes where the command was used. */
function place(scope: "channel" | "thread", allowed = true): SettingsPlace {
  const write = scope === "thread" ? "t1" : "c1";
  return {
    keys: { model: ["model:t1", "model:c1"], instructions: ["instr:t1", "instr:c1"] },
    writeKeys: { model: `model:${write}`, instructions: `instr:${write}` },
    where: `this ${scope}`,
    user: "U1",
    mayChange: async () => allowed,
    refusal: "Not you.",
  };
}

describe("model choice", () => {
  test("a choice is checked against the list, stored, and read back by the answer; a thread's overrides its channel's", async () => {
    const commands = new SettingsCommands({ store, models: catalog(), logger });
    expect(await commands.model(place("channel"), "nope", undefined)).toBe("`nope` is not a model this bot can use; choose one of `base`, `deep`.");
    expect(await commands.model(place("channel"), "deep", "max")).toBe("`deep` takes a reasoning effort of low or high, not `max`.");
    expect(await commands.model(place("channel"), "base", "low")).toBe("`base` takes no reasoning effort; choose it without one.");
    expect(await readConversationSettings(store, place("channel").keys)).toEqual({});

    expect(await commands.model(place("channel"), "DEEP", "High")).toBe("From the next answer on, this channel uses `deep` with high reasoning effort.");
    expect(await readConversationSettings(store, place("thread").keys)).toEqual({ model: "deep", reasoningEffort: "high" });
    expect(await commands.model(place("thread"), "base", undefined)).toBe("From the next answer on, this thread uses `base`.");
    expect(await readConversationSettings(store, place("thread").keys)).toEqual({ model: "base" });
    expect(await commands.model(place("thread"), undefined, undefined)).toMatch(/^This thread uses `base`\.\nAvailable models:\n• `base`\n• `deep` \(reasoning effort: low, high\)$/);

    expect(await commands.model(place("thread"), "default", undefined)).toBe("From the next answer on, this thread uses the default model (`base`) again.");
    // Back to the channel's choice, which the thread now shows as its channel's.
    expect(await readConversationSettings(store, place("thread").keys)).toEqual({ model: "deep", reasoningEffort: "high" });
    expect(await commands.model(place("thread"), undefined, undefined)).toMatch(/^This thread uses `deep` with high reasoning effort \(chosen for its channel\)\./);
  });

  test("someone not allowed is refused before anything is stored; looking needs no permission", async () => {
    const commands = new SettingsCommands({ store, models: catalog(), logger });
    expect(await commands.model(place("channel", false), "deep", undefined)).toBe("Not you.");
    expect(await commands.model(place("channel", false), undefined, undefined)).toMatch(/^This channel uses the default model, `base`\./);
    expect(await readConversationSettings(store, place("channel").keys)).toEqual({});
  });

  test("BYOK keeps its one model: every use says so in one sentence", async () => {
    const commands = new SettingsCommands({ store, models: catalog({ fixedModel: "gpt-4o" }), logger });
    const sentence = "This bot uses its own provider's single configured model (`gpt-4o`), so the model cannot be changed here.";
    expect(await commands.model(place("channel"), undefined, undefined)).toBe(sentence);
    expect(await commands.model(place("channel"), "deep", undefined)).toBe(sentence);
    expect(await commands.suggestModels("d")).toEqual([]);
  });

  test("a model list that cannot be read is one sentence, not an error", async () => {
    const commands = new SettingsCommands({ store, models: catalog({ list: async () => Promise.reject(new Error("offline")) }), logger });
    expect(await commands.model(place("channel"), "deep", undefined)).toBe(MODELS_UNAVAILABLE);
    expect(await commands.suggestModels("")).toEqual([]);
  });

  test("suggestions match the typed text in ids and names, at most 25", async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ id: `m-${i}`, name: `Model ${i}`, efforts: [] }));
    const commands = new SettingsCommands({ store, models: catalog({ list: async () => many }), logger });
    expect(await commands.suggestModels("")).toHaveLength(25);
    expect((await commands.suggestModels("model 3")).map((o) => o.id)).toEqual(["m-3", "m-30", "m-31", "m-32", "m-33", "m-34", "m-35", "m-36", "m-37", "m-38", "m-39"]);
  });
});

describe("channel instructions", () => {
  test("set, shown, capped, cleared", async () => {
    const commands = new SettingsCommands({ store, models: catalog(), logger });
    expect(await commands.showInstructions(place("channel"))).toBe("This channel has no instructions of its own; answers follow the bot's defaults.");
    expect(await commands.setInstructions(place("channel", false), "Be brief.")).toBe("Not you.");
    expect(await commands.setInstructions(place("channel"), "x".repeat(INSTRUCTIONS_MAX_CHARS + 1))).toBe(
      `Those instructions are ${INSTRUCTIONS_MAX_CHARS + 1} characters long; the limit is ${INSTRUCTIONS_MAX_CHARS}, so please shorten them.`,
    );
    expect(await commands.setInstructions(place("channel"), "  Be brief.  ")).toMatch(/^Saved:/);
    expect(await commands.showInstructions(place("thread"))).toBe("Instructions for answers in this thread:\nBe brief.");
    expect(await readConversationSettings(store, place("thread").keys)).toEqual({ instructions: "Be brief." });
    expect(await commands.clearInstructions(place("channel"))).toMatch(/^Removed:/);
    expect(await readConversationSettings(store, place("channel").keys)).toEqual({});
  });

  test("a stored value of the wrong shape is ignored, not trusted", async () => {
    await store.set("model:c1", { model: 42 });
    await store.set("instr:c1", "just a string");
    expect(await readConversationSettings(store, place("channel").keys)).toEqual({});
  });
});

describe("model footer", () => {
  async function collect(events: RuntimeEvent[], footer: string | undefined): Promise<RuntimeEvent[]> {
    const out: RuntimeEvent[] = [];
    async function* source() {
      yield* events;
    }
    for await (const event of withFooter(source(), footer)) out.push(event);
    return out;
  }

  test("named only when the model is not the default (or an effort is chosen)", () => {
    expect(modelFooter(undefined, "base")).toBeUndefined();
    expect(modelFooter({ model: "base" }, "base")).toBeUndefined();
    expect(modelFooter({ model: "deep" }, "base")).toBe("_Model: deep_");
    expect(modelFooter({ model: "base", reasoningEffort: "high" }, "base")).toBe("_Model: base (high reasoning effort)_");
  });

  test("an earlier answer in the history loses its footer (as Slack or Discord shows it), nothing else", () => {
    expect(withoutFooter("Hi.\n\n_Model: deep (high reasoning effort)_")).toBe("Hi.");
    expect(withoutFooter("Hi.\n*Model: deep*")).toBe("Hi.");
    expect(withoutFooter("_Model: deep_ is what I use.\nMore.")).toBe("_Model: deep_ is what I use.\nMore.");
    expect(withoutFooter("Hi.")).toBe("Hi.");
  });

  test("added as the last message of a complete answer, not of a stopped, failed or empty one", async () => {
    const text: RuntimeEvent = { type: "message", content: "Hi.", messageId: "m1", hasToolRequests: false };
    const footer = "_Model: deep_";
    const complete = await collect([text, { type: "done", aborted: false }], footer);
    expect(complete.map((e) => e.type)).toEqual(["message", "message", "done"]);
    expect(complete[1]).toMatchObject({ type: "message", content: footer });
    expect((await collect([text, { type: "done", aborted: true }], footer)).map((e) => e.type)).toEqual(["message", "done"]);
    expect((await collect([text, { type: "error", failure: { kind: "other", message: "x" } }], footer)).map((e) => e.type)).toEqual(["message", "error"]);
    expect((await collect([{ type: "done", aborted: false }], footer)).map((e) => e.type)).toEqual(["done"]);
    // A retried attempt starts again from nothing.
    const retried = await collect([text, { type: "retry", attempt: 1, delayMs: 1, failure: { kind: "other", message: "x" } }, { type: "done", aborted: false }], footer);
    expect(retried.map((e) => e.type)).toEqual(["message", "retry", "done"]);
  });
});

describe("/copilot subcommands", () => {
  const table = [
    { name: "model", run: async () => undefined },
    { name: "instructions", run: async () => undefined },
  ];
  test("the first word picks a subcommand; anything else is a question", () => {
    expect(matchSubcommand(table, "model gpt-5 high")).toMatchObject({ subcommand: { name: "model" }, args: "gpt-5 high" });
    expect(matchSubcommand(table, "  Instructions  set Be\nbrief ")).toMatchObject({ subcommand: { name: "instructions" }, args: "set Be\nbrief" });
    expect(matchSubcommand(table, "model")).toMatchObject({ args: "" });
    expect(matchSubcommand(table, "models are what?")).toBeUndefined();
    expect(matchSubcommand(table, "how do I pick a model")).toBeUndefined();
  });
});
