/**
 * DATA_DIR and the directories under it: created at start and proven writable, so a bad path is one sentence
 * naming the variable at start instead of a failure inside the store or the Copilot runtime later.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { StartupError } from "./startup-error.js";

/** Creates `path` (and its parents) and checks that files can be written in it; returns the absolute path. */
export function prepareDirectory(path: string, variable: string): string {
  const absolute = resolve(path);
  try {
    mkdirSync(absolute, { recursive: true });
    const probe = join(absolute, `.write-check-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way" : code === "EROFS" ? "the file system is read-only" : (code ?? "it cannot be created");
    throw new StartupError(
      variable,
      `${variable} (${absolute}) cannot be written (${why}): point ${variable} at a directory the bot's user can write.`,
    );
  }
  return absolute;
}
