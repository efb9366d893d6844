/**
 * Shares a file in a Slack thread: `files.uploadV2` of @slack/web-api, which is Slack's upload flow in three
 * steps: `files.getUploadURLExternal` (filename and length), the bytes POSTed to the URL it returns (without the
 * token), then `files.completeUploadExternal` with the channel and thread, which posts the file there. Both
 * methods need the `files:write` scope and are Tier 4 per workspace; Slack takes files up to 1 GB.
 */
import type { webApi } from "@slack/bolt";
import type { UploadedFile } from "../../reply/target.js";
import { toReplyError } from "./reply-errors.js";

/** Slack's largest file. */
export const SLACK_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

export type FileUploadClient = Pick<webApi.WebClient, "filesUploadV2">;

/** Uploads `file` into the thread `threadTs` of `channel`; a refusal (missing_scope, ...) is thrown as an Error naming it. */
export async function uploadToThread(client: FileUploadClient, channel: string, threadTs: string, file: UploadedFile): Promise<void> {
  try {
    await client.filesUploadV2({
      channel_id: channel,
      thread_ts: threadTs,
      file: Buffer.from(file.content, "utf8"),
      filename: file.name,
      title: file.name,
    });
  } catch (error) {
    throw toReplyError(error, "files.uploadV2");
  }
}
