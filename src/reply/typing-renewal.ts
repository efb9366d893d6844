/**
 * Keeps a platform's "is typing…" indicator alive while the reader has nothing new to read: before the first
 * words and while a tool runs. Discord shows it for about 10 s per call, so a target that says how often to renew
 * (`typingRenewMs`) is called again at that interval; one without it gets the single call it always had.
 */
import type { Clock } from "./clock.js";
import type { ReplyTarget } from "./target.js";

export function keepTyping(target: ReplyTarget, clock: Clock, wanted: () => boolean, finished: AbortSignal): void {
  const typing = target.typing?.bind(target);
  if (!typing) return;
  const show = () => {
    try {
      // A typing indicator is a nicety; its failure changes nothing.
      void typing().catch(() => {});
    } catch {}
  };
  show();
  const every = target.typingRenewMs;
  if (!every || !(every > 0)) return;
  void (async () => {
    while (!finished.aborted) {
      await clock.sleep(every, finished);
      if (!finished.aborted && wanted()) show();
    }
  })();
}
