/** Discord's epoch (2015-01-01) in ms; snowflake = (ms since epoch) << 22 | increment. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** Snowflake ids that grow with time and never repeat within one generator (ties broken by a 12-bit counter). */
export class SnowflakeGenerator {
  private lastMs = 0n;
  private increment = 0n;

  next(nowMs: number = Date.now()): string {
    let ms = BigInt(nowMs);
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.increment += 1n;
      if (this.increment > 0xfffn) {
        ms += 1n;
        this.increment = 0n;
      }
    } else {
      this.increment = 0n;
    }
    this.lastMs = ms;
    return (((ms - DISCORD_EPOCH) << 22n) | this.increment).toString();
  }
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
