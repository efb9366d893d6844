/**
 * A start-up failure that is understood: its message is the one sentence the user sees, naming the setting to fix
 * and what to do. The entry point prints it as it is, without a stack: the stack would only point at our code,
 * while the fix is in the configuration or the environment.
 */
export class StartupError extends Error {
  override name = "StartupError";

  constructor(
    /** The environment variable to look at (SLACK_BOT_TOKEN, HEALTH_PORT, ...). */
    readonly variable: string,
    sentence: string,
    options?: ErrorOptions,
  ) {
    super(sentence, options);
  }
}
