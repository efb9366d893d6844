import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { listenFailure } from "../startup/listen-failure.js";
import type { HealthChecks } from "./health.js";
import type { Metrics } from "./metrics.js";

export interface OpsServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export interface OpsServerOptions {
  /** HEALTH_PORT; 0 picks a free port. */
  port: number;
  /** Defaults to all interfaces so an orchestrator's probe can reach it. */
  host?: string;
  health: HealthChecks;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Serves GET /healthz (liveness: JSON, 200 when every check passes, 503 naming the failing ones), GET /readyz
 * (readiness: the same over the readiness checks, the platform connections and the store) and GET /metrics
 * (Prometheus text).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { health, metrics, logger } = options;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(405, "text/plain; charset=utf-8", "Only GET is supported here.\n");
      return;
    }
    if (path === "/healthz" || path === "/readyz") {
      health.run(path === "/readyz" ? "readiness" : "all").then(
        (report) => send(report.status === "ok" ? 200 : 503, "application/json; charset=utf-8", `${JSON.stringify(report)}\n`),
        (error: unknown) => {
          logger.error({ err: error }, "health checks failed to run");
          send(503, "application/json; charset=utf-8", `${JSON.stringify({ status: "fail", error: "health checks could not run" })}\n`);
        },
      );
      return;
    }
    if (path === "/metrics") {
      metrics.render().then(
        (text) => send(200, metrics.contentType, text),
        (error: unknown) => {
          logger.error({ err: error }, "metrics could not be rendered");
          send(500, "text/plain; charset=utf-8", "Metrics could not be rendered.\n");
        },
      );
      return;
    }
    send(404, "text/plain; charset=utf-8", "Not found: try /healthz, /readyz or /metrics.\n");
  });
  // Probes should not keep idle sockets (and thus close()) hanging.
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenFailure("HEALTH_PORT", options.port, error)));
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, "health and metrics server listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
