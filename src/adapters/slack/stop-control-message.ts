/**
 * The Stop button of a natively streamed answer: a small thread reply of its own, posted under the answer when
 * its stream starts and deleted when the answer ends.
 *
 * Why not in the streamed message itself: chat.startStream / appendStream take only Markdown and chunks, and a
 * `blocks` chunk is appended like text — a Stop button streamed into the answer would stay in it for good, with
 * the answer's words running on below it. chat.stopStream's `blocks` come only at the end, when Stop is moot (they
 * carry the feedback buttons). Slack's own stop button (agent sessions: agents.sessions.setStatus "processing" and
 * the agent_session_stopped event) exists only for apps declared as agents, not for an assistant app like this
 * one. So the button lives in a message next to the stream: chat.postMessage (the channel's ~1/s budget) to show
 * it, chat.delete (Tier 3 per workspace) to take it away.
 */
import type { webApi } from "@slack/bolt";
import { withBudget, type EditBudget } from "../../reply/target.js";
import { stopBlocks } from "./answer-controls.js";

type WebClient = webApi.WebClient;

export const STOP_CONTROL_TEXT = "Answering…";

export interface StopControlMessageOptions {
  client: Pick<WebClient, "chat">;
  channel: string;
  threadTs: string;
  askerUserId: string;
  postBudget: EditBudget;
  deleteBudget: EditBudget;
  /** Told the message's ts (the adapter maps it to the thread, as for every reply, so a press finds the answer). */
  onPosted?: (ts: string) => Promise<void>;
}

export class StopControlMessage {
  private posted: Promise<string | undefined> | undefined;
  private removed = false;

  constructor(private readonly options: StopControlMessageOptions) {}

  /**
   * Posts the button once; a failure leaves the answer without it (✋ and "stop" still work), never fails it.
   * Resolves with the message's ts the first time it is posted (undefined after, or if it could not be).
   */
  async show(): Promise<string | undefined> {
    if (this.removed || this.posted) return undefined;
    this.posted = this.post();
    return this.posted;
  }

  /** Deletes the button (the answer is over); once, and only if it was posted. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    const ts = await this.posted;
    if (!ts) return;
    const { client, channel, deleteBudget } = this.options;
    await withBudget(deleteBudget, () => client.chat.delete({ channel, ts })).catch(() => undefined);
  }

  private async post(): Promise<string | undefined> {
    const { client, channel, threadTs, askerUserId, postBudget, onPosted } = this.options;
    try {
      const response = await withBudget(postBudget, () =>
        client.chat.postMessage({
          channel,
          thread_ts: threadTs,
          text: STOP_CONTROL_TEXT,
          blocks: stopBlocks(askerUserId),
        } as Parameters<WebClient["chat"]["postMessage"]>[0]),
      );
      if (!response.ts) return undefined;
      await onPosted?.(response.ts).catch(() => undefined);
      return response.ts;
    } catch {
      return undefined;
    }
  }
}
