# syntax=docker/dockerfile:1
# threadpilot's image. No container runtime runs in CI, so CI never builds it: it keeps to the steps the tests run
# (npm ci, npm run build, node on dist/main.js), and test/unit/deploy-files.test.ts keeps it in line with the code.

# ── build: every dependency, compile TypeScript, then drop the dev dependencies ─────────────────────────────────
# Debian (glibc), not Alpine: the Copilot runtime's platform package is a glibc binary. The full image carries
# python3, make and g++ for sqlite3 when no prebuilt binary fits.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# Optional dependencies stay in: the Copilot runtime ships as one (@github/copilot-sdk-linux-x64).
RUN npm ci --no-audit --no-fund
RUN npm run build
# Production dependencies only, pruned in place so native modules are compiled once, here, with the toolchain.
RUN npm prune --omit=dev --no-audit --no-fund

# ── runtime: Node, the built code, production dependencies; no compiler, no dev tools ───────────────────────────
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# DATA_DIR holds the SQLite store, the Copilot session state and the runtime's working directory.
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    HEALTH_PORT=8080
# Code and dependencies stay owned by root (read-only to the bot); only the data directory is the bot's.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
# The official image's unprivileged user (uid 1000).
USER node
VOLUME ["/app/data"]
EXPOSE 8080
# Liveness: /healthz on HEALTH_PORT (every check: platforms, runtime, store). The start period covers connecting.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains answers for SHUTDOWN_GRACE_MS (default 8 s), inside Docker's 10 s stop timeout.
CMD ["node", "dist/main.js"]
