/**
 * A push/pull queue between SDK callbacks (push) and the async generator that consumes them (pull), with a
 * timeout on each pull so a silent session can be noticed.
 */
export const QUEUE_TIMEOUT = Symbol("queue timeout");

export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | typeof QUEUE_TIMEOUT) => void) | undefined;

  push(item: T): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  /** The next item, or QUEUE_TIMEOUT after `timeoutMs` without one. One pull at a time. */
  next(timeoutMs: number): Promise<T | typeof QUEUE_TIMEOUT> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(QUEUE_TIMEOUT);
      }, Math.max(0, timeoutMs));
      this.waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
    });
  }
}
