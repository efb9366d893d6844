/**
 * A start-up failure that is understood: its message is the one sentence the operator reads (naming the variable
 * to change), printed by the entry point without a stack trace.
 */
export class StartupError extends Error {
  override name = "StartupError";
}
