import type { StateStore, StateStoreWithQueues } from "./types.js";

/**
 * The store as one that keeps queues, or a clear error naming who needs them: adapters hand waiting thread
 * messages between replicas through the store's queues (every store of src/store keeps them).
 */
export function requireQueues(store: StateStore, neededBy: string): StateStoreWithQueues {
  const queues = store as Partial<StateStoreWithQueues>;
  if (typeof queues.enqueue === "function" && typeof queues.dequeueAll === "function" && typeof queues.queueLength === "function") {
    return store as StateStoreWithQueues;
  }
  throw new Error(`${neededBy} needs a state store that keeps queues (memory://, sqlite:// or redis://).`);
}
