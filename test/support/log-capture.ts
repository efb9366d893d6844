/** A pino logger whose lines the test can read and wait for (TEST_LOG_LEVEL also echoes them to stderr). */
import { pino, type Logger } from "pino";

export interface LogCapture {
  logger: Logger;
  /** Every line, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Every line as written (for "no token anywhere in the logs" checks). */
  rawLines: string[];
  /** Resolves once `count` lines with this message were logged; rejects after 30 s. */
  waitForLog(msg: string, count?: number): Promise<void>;
}

export function captureLogs(level?: string): LogCapture {
  const logs: Array<Record<string, unknown>> = [];
  const rawLines: string[] = [];
  const logWaiters = new Set<() => void>();
  const logger = pino(
    { level: level ?? process.env.TEST_LOG_LEVEL ?? "info" },
    {
      write(line: string) {
        rawLines.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
        if (process.env.TEST_LOG_LEVEL) process.stderr.write(line);
        for (const wake of logWaiters) wake();
      },
    },
  );
  const waitForLog = (msg: string, count = 1) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (logs.filter((l) => l.msg === msg).length < count) return;
        logWaiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        logWaiters.delete(check);
        reject(new Error(`timed out waiting for ${count} log line(s) "${msg}"`));
      }, 30_000);
      logWaiters.add(check);
      check();
    });
  return { logger, logs, rawLines, waitForLog };
}
