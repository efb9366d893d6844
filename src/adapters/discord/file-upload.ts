/**
 * Shares a file in a Discord channel: a message with the file attached (Create Message as multipart/form-data,
 * the message in `payload_json` and the file as `files[0]`, which discord.js builds from `files`). Discord takes
 * attachments up to 10 MiB per message from a bot in a server without boosts.
 */
import type { SendableChannels } from "discord.js";
import type { UploadedFile } from "../../reply/target.js";

/** Discord's attachment limit without boosts. */
export const DISCORD_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Posts `file` to `channel` as a message of its own (no content, no mention). */
export async function sendFile(channel: SendableChannels, file: UploadedFile): Promise<void> {
  await channel.send({
    files: [{ attachment: Buffer.from(file.content, "utf8"), name: file.name }],
    allowedMentions: { parse: [] },
  });
}
