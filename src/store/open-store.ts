import type { Logger } from "pino";
import { MemoryStore } from "./memory-store.js";
import { RedisStore } from "./redis-store.js";
import { SqliteStore } from "./sqlite-store.js";
import { parseStoreUrl } from "./store-url.js";
import type { StateStore } from "./types.js";

/**
 * Opens the state store named by `url`: `sqlite://path` (the directory is created), `redis://host:port[/db]`
 * or `memory://`. Throws one clear sentence (StoreUrlError for a bad URL) when it cannot.
 */
export async function openStore(url: string, logger: Logger): Promise<StateStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case "memory":
      logger.info({ store: "memory" }, "using an in-process state store (not shared between replicas)");
      return new MemoryStore(logger);
    case "sqlite": {
      const store = await SqliteStore.open(location.path, logger);
      logger.info({ store: "sqlite", path: location.path }, "state store opened");
      return store;
    }
    case "redis": {
      const store = await RedisStore.open(location.url, location.db, location.display, logger);
      logger.info({ store: "redis", url: location.display }, "state store opened");
      return store;
    }
  }
}
