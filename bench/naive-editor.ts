/**
 * The baseline: what peers do. Post a placeholder, then edit the one message every 500 ms with the text so far
 * (cut at the length limit), per reply, with no shared budget; a rate-limited edit is simply dropped.
 */
import type { RuntimeEvent } from "../src/runtime/events.js";
import type { Clock } from "../src/reply/clock.js";
import { RateLimitedError, type ReplyTarget } from "../src/reply/target.js";

export interface NaiveOutcome {
  edits: number;
  rateLimited: number;
  /** Whether the final full answer ended up on screen (it cannot when the answer is longer than the limit). */
  finalShown: boolean;
  truncated: boolean;
  firstDeltaAt?: number;
  firstVisibleAt?: number;
  /** (time a call completed, answer characters it shows) for every successful call. */
  visible: Array<[number, number]>;
}

export async function naiveEditor(
  events: AsyncIterable<RuntimeEvent>,
  target: ReplyTarget,
  clock: Clock,
  intervalMs = 500,
): Promise<NaiveOutcome> {
  const out: NaiveOutcome = { edits: 0, rateLimited: 0, finalShown: false, truncated: false, visible: [] };
  const ref = await target.post("_Thinking…_");
  let text = "";
  let shown = "";
  let done = false;
  const send = async (final: boolean) => {
    if (text === shown && !final) return;
    const snapshot = text;
    let rendered = target.render(snapshot);
    if (rendered.length > target.maxMessageLength) {
      rendered = rendered.slice(0, target.maxMessageLength);
      out.truncated = true;
    }
    try {
      out.edits++;
      await target.edit(ref, rendered);
      shown = snapshot;
      out.visible.push([clock.now(), snapshot.length]);
      if (snapshot.trim() !== "") out.firstVisibleAt ??= clock.now();
      if (final) out.finalShown = rendered === target.render(snapshot);
    } catch (error) {
      if (error instanceof RateLimitedError) out.rateLimited++;
      // Dropped: the text of this edit never shows (unless a later edit carries it).
    }
  };
  // A fixed timer: it fires whether or not the previous edit has come back.
  const inFlight = new Set<Promise<void>>();
  const ticker = (async () => {
    while (!done) {
      await clock.sleep(intervalMs);
      if (done) break;
      const p = send(false).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  for await (const event of events) {
    if (event.type === "delta") {
      out.firstDeltaAt ??= clock.now();
      text += event.text;
    }
    if (event.type === "done" || event.type === "error") break;
  }
  done = true;
  await ticker;
  await Promise.all(inFlight);
  await send(true);
  return out;
}
