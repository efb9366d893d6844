/**
 * The page the web chat serves: one HTML, one script and one stylesheet from src/web-static (no build step), and
 * markdown-it's browser bundle from node_modules. A strict Content-Security-Policy allows scripts and styles from
 * this server only, so even HTML that slipped into the page could run nothing; the renderer escapes it anyway.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The repository's src/web-static, from this file in src/ or its build in dist/ (both three levels deep). */
const STATIC_DIR = fileURLToPath(new URL("../../../src/web-static/", import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface StaticFile {
  type: string;
  path: string;
}

const FILES: Record<string, StaticFile> = {
  "/": { type: "text/html; charset=utf-8", path: `${STATIC_DIR}index.html` },
  "/app.js": { type: "text/javascript; charset=utf-8", path: `${STATIC_DIR}app.js` },
  "/style.css": { type: "text/css; charset=utf-8", path: `${STATIC_DIR}style.css` },
  "/vendor/markdown-it.js": {
    type: "text/javascript; charset=utf-8",
    path: createRequire(import.meta.url).resolve("markdown-it/browser"),
  },
};

export interface StaticReply {
  type: string;
  body: Buffer;
}

/** Read once and kept: the files are small and never change while the bot runs. */
export class StaticFiles {
  private readonly cache = new Map<string, Promise<StaticReply>>();

  has(path: string): boolean {
    return path in FILES;
  }

  get(path: string): Promise<StaticReply> {
    const file = FILES[path];
    if (!file) return Promise.reject(new Error(`No static file ${path}.`));
    let reply = this.cache.get(path);
    if (!reply) {
      reply = readFile(file.path).then((body) => ({ type: file.type, body }));
      reply.catch(() => this.cache.delete(path));
      this.cache.set(path, reply);
    }
    return reply;
  }
}
