/** Parses the STORE_URL setting into a backend choice, with one clear sentence for anything it cannot use. */
import { StartupError } from "../startup/startup-error.js";

export type StoreLocation =
  | { kind: "memory" }
  | { kind: "sqlite"; path: string }
  | { kind: "redis"; url: string; db: number; display: string };

/** A STORE_URL that names no usable store; a start-up error, so the entry point prints just the sentence. */
export class StoreUrlError extends StartupError {
  override name = "StoreUrlError";

  constructor(sentence: string) {
    super("STORE_URL", sentence);
  }
}

const EXPECTED = "expected sqlite://path, redis://host:port[/db] or memory://";

export function parseStoreUrl(raw: string): StoreLocation {
  const url = raw.trim();
  if (url === "") throw new StoreUrlError(`STORE_URL is empty; ${EXPECTED}.`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "memory") {
    if (url.length > "memory://".length) {
      throw new StoreUrlError(`STORE_URL "${url}" has text after memory://; use exactly memory://.`);
    }
    return { kind: "memory" };
  }
  if (scheme === "sqlite") {
    // Taken verbatim rather than through URL(): relative paths such as sqlite://./data/x.sqlite must survive.
    const path = url.slice("sqlite://".length);
    if (path === "") throw new StoreUrlError(`STORE_URL "${url}" names no SQLite file; use sqlite://path/to/file.sqlite.`);
    return { kind: "sqlite", path };
  }
  if (scheme === "redis" || scheme === "rediss") return parseRedis(url);
  throw new StoreUrlError(`STORE_URL "${redact(url)}" is not supported; ${EXPECTED}.`);
}

function parseRedis(url: string): StoreLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreUrlError(`STORE_URL "${redact(url)}" is not a valid Redis URL; expected redis://host:port[/db].`);
  }
  if (parsed.hostname === "") {
    throw new StoreUrlError(`STORE_URL "${redact(url)}" names no Redis host; expected redis://host:port[/db].`);
  }
  const dbText = parsed.pathname.replace(/^\//, "");
  let db = 0;
  if (dbText !== "") {
    if (!/^\d{1,5}$/.test(dbText)) {
      throw new StoreUrlError(`The Redis database "${dbText}" in STORE_URL is not a number; expected redis://host:port/0.`);
    }
    db = Number(dbText);
  }
  return { kind: "redis", url, db, display: redact(url) };
}

/** The URL with any password replaced, for logs and error messages. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const user = auth.split(":")[0] ?? "";
    return `${scheme}${user === "" ? "" : `${user}:`}***@`;
  });
}
