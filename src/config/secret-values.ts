/**
 * The secret values the log scrubber hides, read from the environment by the same rules the configuration reads
 * them (surrounding whitespace trimmed). A value the configuration trims would otherwise be scrubbed only in its
 * untrimmed form, while the code sends (and libraries echo) the trimmed one.
 */
import { SECRET_VARIABLES, envSchema } from "./schema.js";

export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const name of SECRET_VARIABLES) {
    const raw = env[name];
    if (!raw) continue;
    const parsed = envSchema.shape[name].safeParse(raw);
    // A value the configuration rejects (a token with the wrong prefix, say) is still a secret: hide it trimmed.
    const value = parsed.success ? parsed.data : raw.trim();
    if (value) values.add(value);
  }
  return [...values];
}
