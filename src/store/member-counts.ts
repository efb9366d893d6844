import { checkMember, checkMemberCount, checkTtl } from "./keys.js";

/**
 * Counts that several members (replicas) each report under one key, summed over the members whose report has not
 * expired (the memory store's `reportCount`). A member that stops reporting (a crashed replica) stops counting
 * once its last report's TTL ran out; reporting 0 removes it at once.
 */
export class MemberCounts {
  private readonly counts = new Map<string, Map<string, { count: number; expiresAt: number }>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records `member`'s `count` under `key` for `ttlMs`, and returns the sum over every live member. */
  report(key: string, member: string, count: number, ttlMs: number): number {
    checkMember(member);
    const n = checkMemberCount(count);
    const ttl = checkTtl(ttlMs);
    const now = this.now();
    const members = this.counts.get(key) ?? new Map<string, { count: number; expiresAt: number }>();
    if (n > 0) members.set(member, { count: n, expiresAt: now + ttl });
    else members.delete(member);
    let sum = 0;
    for (const [name, entry] of members) {
      if (entry.expiresAt <= now) members.delete(name);
      else sum += entry.count;
    }
    if (members.size > 0) this.counts.set(key, members);
    else this.counts.delete(key);
    return sum;
  }

  clear(): void {
    this.counts.clear();
  }
}
