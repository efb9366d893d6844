import { StartupError } from "./startup-error.js";

/**
 * Why a server could not listen on the port a variable names, as one sentence: taken by another program
 * (EADDRINUSE), or a port below 1024 without the privilege to bind it (EACCES).
 */
export function listenFailure(variable: string, port: number, error: unknown): StartupError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    return new StartupError(
      variable,
      `Port ${port} (${variable}) is already in use by another program: stop that program or set ${variable} to a free port.`,
      { cause: error },
    );
  }
  if (code === "EACCES") {
    return new StartupError(
      variable,
      `Not allowed to listen on port ${port} (${variable}): ports below 1024 need extra privileges, so set ${variable} to 1024 or above.`,
      { cause: error },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new StartupError(variable, `Could not listen on port ${port} (${variable}): ${reason}.`, { cause: error });
}
