/** Why a thread's answer was aborted; set as the AbortSignal's reason so a run can tell a user stop from shutdown. */
export type ThreadAbortKind = "stopped" | "lock_lost" | "shutdown";

export class ThreadRunAbort extends Error {
  override name = "ThreadRunAbort";
  constructor(readonly kind: ThreadAbortKind) {
    super(
      kind === "stopped"
        ? "The answer was stopped by a user."
        : kind === "lock_lost"
          ? "The answer was abandoned because another replica took over the thread."
          : "The answer was abandoned because the bot is shutting down.",
    );
  }
}

/** The kind of abort when `signal` was aborted by the thread coordinator, otherwise undefined. */
export function threadAbortKind(signal: AbortSignal): ThreadAbortKind | undefined {
  return signal.aborted && signal.reason instanceof ThreadRunAbort ? signal.reason.kind : undefined;
}
