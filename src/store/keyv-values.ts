import { Keyv, type KeyvStoreAdapter } from "keyv";
import type { Logger } from "pino";
import { checkTtl, valueKey } from "./keys.js";

/** get/set/delete with TTLs through keyv; the backend-specific stores add the atomic operations. */
export abstract class KeyvValues {
  protected readonly keyv: Keyv;

  protected constructor(adapter: KeyvStoreAdapter | Map<unknown, unknown>, protected readonly logger: Logger) {
    // Keys are namespaced here ("threadpilot:value:..."), the same way on every backend, so keyv adds no prefix.
    this.keyv = new Keyv({ store: adapter, namespace: "", useKeyPrefix: false, throwOnErrors: true });
    this.keyv.on("error", (error: unknown) => logger.debug({ err: error }, "state store operation failed"));
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.keyv.get<T>(valueKey(key))) ?? undefined;
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.keyv.set(valueKey(key), value, ttlMs === undefined ? undefined : checkTtl(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.keyv.delete(valueKey(key));
  }
}
