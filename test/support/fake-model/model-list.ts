/**
 * The fake model's model list, in the shape of the Copilot API's `GET /models`: what the real runtime reads for
 * `client.listModels()` when it is signed in with a GitHub token and COPILOT_API_URL points at the fake (with a
 * BYOK provider the runtime lists nothing: "Not authenticated"). The entries carry the OpenAI list fields too
 * (`object`, `owned_by`), so the same answer serves an OpenAI-compatible client. The runtime derives a model's
 * reasoning efforts (`supportedReasoningEfforts`) from `capabilities.supports.reasoning_effort` only for a
 * complete entry (vendor, version, picker flag, policy, billing), as the real API sends them.
 */

export interface FakeModelEntry {
  id: string;
  /** Display name (default: the id). */
  name?: string;
  /** Reasoning efforts the model takes (default none). */
  efforts?: string[];
  /** Default "OpenAI" for a model with efforts, else "Fake" (a vendor the runtime gives no default efforts). */
  vendor?: string;
  /** Policy "disabled": listed, but the account may not use it. */
  disabled?: boolean;
}

export const DEFAULT_MODEL_LIST: FakeModelEntry[] = [{ id: "fake-model" }];

export function modelListBody(entries: readonly FakeModelEntry[]): unknown {
  return {
    object: "list",
    data: entries.map((entry) => ({
      id: entry.id,
      name: entry.name ?? entry.id,
      object: "model",
      owned_by: "fake",
      vendor: entry.vendor ?? (entry.efforts && entry.efforts.length > 0 ? "OpenAI" : "Fake"),
      version: entry.id,
      preview: false,
      model_picker_enabled: true,
      capabilities: {
        type: "chat",
        family: entry.id,
        object: "model_capabilities",
        tokenizer: "o200k_base",
        supports: {
          streaming: true,
          tool_calls: true,
          parallel_tool_calls: true,
          ...(entry.efforts && entry.efforts.length > 0 ? { reasoning_effort: entry.efforts } : {}),
        },
        limits: { max_context_window_tokens: 128_000, max_prompt_tokens: 100_000, max_output_tokens: 16_000 },
      },
      policy: { state: entry.disabled ? "disabled" : "enabled", terms: "Fake terms." },
      billing: { is_premium: false, multiplier: 0 },
    })),
  };
}
