/**
 * The models a Copilot sign-in offers (`client.listModels()`), reduced to what choosing one needs: its id, its
 * name and the reasoning efforts it accepts. A BYOK provider has no such list (the runtime answers
 * "Not authenticated"): it keeps its one configured model.
 */
import type { ModelInfo } from "@github/copilot-sdk";

export interface ModelOption {
  id: string;
  name: string;
  /** Reasoning efforts the model accepts; empty when it takes none. */
  efforts: string[];
  defaultEffort?: string;
}

/** Models the account may use (a policy-disabled model would fail every answer), in the runtime's order. */
export function modelOptions(infos: readonly ModelInfo[]): ModelOption[] {
  return infos
    .filter((info) => info.policy?.state !== "disabled")
    .map((info) => ({
      id: info.id,
      name: info.name || info.id,
      efforts: info.capabilities?.supports?.reasoningEffort === false ? [] : [...(info.supportedReasoningEfforts ?? [])],
      ...(info.defaultReasoningEffort ? { defaultEffort: info.defaultReasoningEffort } : {}),
    }));
}
