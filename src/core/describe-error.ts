/** One line for a log: a platform's own error code when its client gives one (Slack's `data.error`), else the message. */
export function describeError(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  if (typeof data?.error === "string") return data.error;
  return error instanceof Error ? error.message : String(error);
}
