/**
 * Slack's upload flow, as documented (docs.slack.dev/reference/methods/files.getUploadURLExternal and
 * files.completeUploadExternal), which @slack/web-api's `files.uploadV2` drives:
 * 1. `files.getUploadURLExternal` (required: `filename`, `length` in bytes; `length` 0 is `missing_argument`)
 *    returns `upload_url` and `file_id`;
 * 2. the file's bytes are POSTed to `upload_url`, raw or multipart form-encoded; Slack answers HTTP 200;
 * 3. `files.completeUploadExternal` (required: `files`, a JSON array of `{id, title?}`; optional `channel_id`,
 *    `thread_ts` (only with one channel), `initial_comment`) shares the files, as a message of the bot's there.
 * Both methods are Tier 4 (method-limits.ts) and need `files:write`. Slack takes files up to 1 GB; a file whose
 * bytes never arrived cannot be completed.
 */
import type { AiMethodsContext } from "./ai-methods.js";
import type { FakeFile } from "./workspace.js";
import type { ApiResult } from "./web-api.js";

export const FILE_METHODS = new Set(["files.getUploadURLExternal", "files.completeUploadExternal"]);

/** Slack's largest file. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

/** One upload between its URL and its completion. */
export interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  snippetType?: string;
  /** The bytes, once POSTed to the upload URL. */
  data?: Buffer;
}

/** A file the bot shared, for tests to look at. */
export interface SharedUpload {
  file: FakeFile;
  channel?: string;
  threadTs?: string;
  title: string;
}

export interface FileMethodsContext extends Pick<AiMethodsContext, "workspace" | "botUserId" | "botId" | "limiter" | "onBotPost"> {
  uploads: Map<string, PendingUpload>;
  shared: SharedUpload[];
  uploadUrl(id: string): string;
  addFile(name: string, mimetype: string, data: Buffer): FakeFile;
}

const ok = (body: Record<string, unknown> = {}): ApiResult => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string): ApiResult => ({ status: 200, body: { ok: false, error } });
const limited = (retryAfterMs: number): ApiResult => ({
  status: 429,
  body: { ok: false, error: "ratelimited" },
  headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
});

let uploadSeq = 0;

export function handleFileMethod(ctx: FileMethodsContext, method: string, params: Record<string, string>): ApiResult {
  const ws = ctx.workspace;
  const wait = ctx.limiter(method)?.take(ws.teamId) ?? 0;
  if (wait > 0) return limited(wait);
  if (method === "files.getUploadURLExternal") {
    const filename = params.filename ?? "";
    const length = Number(params.length);
    if (!filename || params.length === undefined) return fail("invalid_arguments");
    if (!Number.isInteger(length) || length < 0) return fail("invalid_arguments");
    if (length === 0) return fail("missing_argument");
    if (length > MAX_UPLOAD_BYTES) return fail("file_upload_size_restricted");
    const id = `F0UP${String(++uploadSeq).padStart(6, "0")}`;
    ctx.uploads.set(id, { id, filename, length, ...(params.snippet_type ? { snippetType: params.snippet_type } : {}) });
    return ok({ upload_url: ctx.uploadUrl(id), file_id: id });
  }

  // files.completeUploadExternal
  let files: Array<{ id?: unknown; title?: unknown }>;
  try {
    files = JSON.parse(params.files ?? "") as Array<{ id?: unknown; title?: unknown }>;
  } catch {
    return fail("invalid_arguments");
  }
  if (!Array.isArray(files) || files.length === 0) return fail("invalid_arguments");
  const channel = params.channel_id || params.channels || undefined;
  const threadTs = params.thread_ts || undefined;
  if (threadTs && (!channel || channel.includes(","))) return fail("invalid_arguments");
  if (channel && !ws.channels.has(channel)) return fail("channel_not_found");
  if (channel && threadTs && !ws.message(channel, threadTs)) return fail("thread_not_found");
  const pending = files.map((f) => ctx.uploads.get(String(f.id ?? "")));
  if (pending.some((p) => !p?.data)) return fail("file_not_found");
  const made = pending.map((upload, i) => {
    const title = typeof files[i]!.title === "string" && files[i]!.title ? String(files[i]!.title) : upload!.filename;
    ctx.uploads.delete(upload!.id);
    const file = ctx.addFile(upload!.filename, "text/plain", upload!.data!);
    ctx.shared.push({ file, title, ...(channel ? { channel } : {}), ...(threadTs ? { threadTs } : {}) });
    return { file, title };
  });
  if (channel) {
    const message = ws.post({
      channel,
      threadTs,
      user: ctx.botUserId,
      botId: ctx.botId,
      text: params.initial_comment ?? "",
      files: made.map((m) => m.file),
    });
    ctx.onBotPost(message);
  }
  return ok({ files: made.map(({ file, title }) => ({ id: file.id, title, name: file.name })) });
}

/**
 * The POST to an upload URL: the bytes as sent (raw, or the one file of a multipart form). Unknown URL: 404;
 * more bytes than Slack takes: 413; Slack answers 200 with a short text.
 */
export async function receiveUpload(
  uploads: Map<string, PendingUpload>,
  id: string,
  body: Buffer,
  contentType: string | undefined,
): Promise<{ status: number; text: string }> {
  const upload = uploads.get(id);
  if (!upload) return { status: 404, text: "Not Found" };
  let data = body;
  if (contentType?.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData();
    const file = [...form.values()].find((value): value is File => typeof value !== "string");
    if (!file) return { status: 400, text: "No file in the form" };
    data = Buffer.from(await file.arrayBuffer());
  }
  if (data.length > MAX_UPLOAD_BYTES) return { status: 413, text: "Request Entity Too Large" };
  upload.data = data;
  return { status: 200, text: `OK - ${data.length}` };
}
