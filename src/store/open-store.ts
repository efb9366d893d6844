import type { Logger } from "pino";
import { MemoryStore } from "./memory-store.js";
import { RedisStore } from "./redis-store.js";
import { SqliteStore } from "./sqlite-store.js";
import { parseStoreUrl } from "./store-url.js";
import { StartupError } from "../startup/startup-error.js";
import type { StateStore } from "./types.js";

/**
 * Opens the state store named by `url`: `sqlite://path` (the directory is created), `redis://host:port[/db]`
 * or `memory://`. Throws one clear sentence when it cannot: StoreUrlError for a bad URL, a StartupError naming
 * STORE_URL for a store that cannot be opened (Redis not answering, an SQLite path that cannot be written).
 */
export async function openStore(url: string, logger: Logger): Promise<StateStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case "memory":
      logger.info({ store: "memory" }, "using an in-process state store (not shared between replicas)");
      return new MemoryStore(logger);
    case "sqlite": {
      const store = await SqliteStore.open(location.path, logger).catch((error: unknown) => {
        throw new StartupError("STORE_URL", `${messageOf(error)}; choose a path you can write to in STORE_URL.`, { cause: error });
      });
      logger.info({ store: "sqlite", path: location.path }, "state store opened");
      return store;
    }
    case "redis": {
      const store = await RedisStore.open(location.url, location.db, location.display, logger).catch((error: unknown) => {
        throw new StartupError("STORE_URL", `${messageOf(error)}; start Redis there or point STORE_URL at a running one.`, {
          cause: error,
        });
      });
      logger.info({ store: "redis", url: location.display }, "state store opened");
      return store;
    }
  }
}

/** The store's own sentence, without its full stop (the fix is added after it). */
function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}
