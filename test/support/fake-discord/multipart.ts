/**
 * Create Message with files, as Discord documents it (discord.com/developers/docs/reference#uploading-files):
 * `multipart/form-data` with the JSON body in a `payload_json` field and each file in a `files[n]` field (its
 * `attachments` entry in the payload names it by `id` n). Limits: 10 attachments per message; 10 MiB per file for
 * a bot in a server without boosts (Discord answers 413 with code 40005, "Request entity too large").
 */
import { FakeDiscordError } from "./model.js";

export const MAX_ATTACHMENTS = 10;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export interface UploadedAttachment {
  filename: string;
  contentType: string;
  data: Buffer;
}

type Json = Record<string, unknown>;

export function isMultipart(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().startsWith("multipart/form-data") ?? false;
}

/** The JSON body and the files of a multipart request. */
export async function readMultipart(raw: Buffer, contentType: string): Promise<{ body: Json; files: UploadedAttachment[] }> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new FakeDiscordError(400, 50035, "Invalid Form Body");
  }
  const payload = form.get("payload_json");
  const body = typeof payload === "string" && payload ? (JSON.parse(payload) as Json) : {};
  const files: UploadedAttachment[] = [];
  for (const [field, value] of form.entries()) {
    if (!/^files\[\d+\]$/.test(field) || typeof value === "string") continue;
    const data = Buffer.from(await value.arrayBuffer());
    if (data.length > MAX_ATTACHMENT_BYTES) throw new FakeDiscordError(413, 40005, "Request entity too large");
    files.push({ filename: value.name || "file", contentType: value.type || "application/octet-stream", data });
  }
  if (files.length > MAX_ATTACHMENTS) {
    throw new FakeDiscordError(400, 50035, "Invalid Form Body", {
      attachments: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_ATTACHMENTS} or fewer in length.` }] },
    });
  }
  return { body, files };
}
