/**
 * Named async health checks (platform connections, runtime ping, store ping) run together for /healthz; the ones
 * registered as readiness checks also make up /readyz.
 */

/** A check resolves true/false, or an object with a short detail; throwing or timing out counts as failing. */
export type HealthCheck = () => Promise<boolean | { ok: boolean; detail?: string }>;

export interface CheckResult {
  status: "ok" | "fail";
  detail?: string;
  /** How long the check took, for spotting a slow dependency. */
  ms: number;
}

export interface HealthReport {
  status: "ok" | "fail";
  checks: Record<string, CheckResult>;
}

export interface CheckOptions {
  /**
   * Part of /readyz too: the bot can take messages only while this passes (a platform connection, the store).
   * Liveness (/healthz) runs every check, readiness ones included.
   */
  readiness?: boolean;
}

/** Which checks a report covers: all of them (liveness, /healthz) or the readiness ones (/readyz). */
export type CheckScope = "all" | "readiness";

export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly readiness = new Set<string>();

  constructor(private readonly timeoutMs = 3_000) {}

  /** Adds or replaces the check called `name` (e.g. "slack", "discord", "runtime", "store"). */
  register(name: string, check: HealthCheck, options: CheckOptions = {}): void {
    this.checks.set(name, check);
    if (options.readiness) this.readiness.add(name);
    else this.readiness.delete(name);
  }

  unregister(name: string): void {
    this.checks.delete(name);
    this.readiness.delete(name);
  }

  /** Runs the checks of `scope` at once; the report is "ok" only when all are. */
  async run(scope: CheckScope = "all"): Promise<HealthReport> {
    const selected = [...this.checks].filter(([name]) => scope === "all" || this.readiness.has(name));
    const entries = await Promise.all(selected.map(async ([name, check]) => [name, await this.runOne(check)] as const));
    const checks = Object.fromEntries(entries);
    return { status: entries.every(([, result]) => result.status === "ok") ? "ok" : "fail", checks };
  }

  private async runOne(check: HealthCheck): Promise<CheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; detail: string }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    try {
      const raw = await Promise.race([Promise.resolve().then(check), timeout]);
      const result = typeof raw === "boolean" ? { ok: raw } : raw;
      return {
        status: result.ok ? "ok" : "fail",
        ...(result.detail === undefined ? {} : { detail: result.detail }),
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      return { status: "fail", detail: (error as Error)?.message ?? String(error), ms: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  }
}
