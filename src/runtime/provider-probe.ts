/**
 * BYOK at start: whether the model server at COPILOT_PROVIDER_BASE_URL answers at all. The runtime starts without
 * asking it, so a wrong URL or a model server that is not running would otherwise show only at the first
 * question. Any HTTP answer (even 401 or 404) means it is there; only a network failure is reported. No key is
 * sent: this asks where, not who. Same proxy rules as the runtime (HTTPS_PROXY / NO_PROXY).
 */
import { fetch } from "undici";
import { networkReason, probeDispatcher } from "./github-probe.js";

const PROBE_TIMEOUT_MS = 5_000;

/** Undefined when the provider answered; else why it could not be reached ("ECONNREFUSED", "timed out"). */
export async function providerUnreachable(baseUrl: string): Promise<string | undefined> {
  try {
    const response = await fetch(baseUrl, { dispatcher: probeDispatcher(), signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  } catch (error) {
    return networkReason(error);
  }
}

/** The warning a user reads when the model server is out of reach (a warning: it may be started later). */
export function providerUnreachableSentence(baseUrl: string, reason: string): string {
  return `The model server at COPILOT_PROVIDER_BASE_URL (${baseUrl}) could not be reached (${reason}): questions will fail until it answers; check that it is running and the URL, or HTTPS_PROXY / NO_PROXY if it needs a proxy.`;
}
