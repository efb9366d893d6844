/**
 * The text, code and log files of a Discord conversation the model reads: every attachment not presented as an
 * image, of the messages read as history (the bot's own uploads left out), newest first, by the one rule of
 * src/media (text-files.ts) through the one Discord download (file-fetch.ts).
 */
import type { Attachment, Message } from "discord.js";
import { selectTextFiles, TEXT_FILE_KIND, type SelectedTextFiles, type TextFileCandidate, type TextFileLimits } from "../../media/text-files.js";
import { isImageAttachment } from "./discord-text.js";
import { fetchDiscordAttachment, type DiscordFileFetchOptions } from "./file-fetch.js";

/**
 * `messages` oldest first; `asked` holds the ids of the messages being answered now (only their skipped files are
 * told to the user).
 */
export async function fetchTextFiles(
  messages: readonly Message[],
  asked: ReadonlySet<string>,
  botUserId: string,
  limits: TextFileLimits,
  options: DiscordFileFetchOptions,
): Promise<SelectedTextFiles> {
  const candidates: TextFileCandidate<Attachment>[] = [...messages]
    .reverse()
    .filter((message) => message.author.id !== botUserId)
    .flatMap((message) =>
      [...message.attachments.values()]
        .reverse()
        .filter((attachment) => !isImageAttachment(attachment))
        .map((file) => ({ file, asked: asked.has(message.id) })),
    );
  return selectTextFiles(candidates, (file) => fetchDiscordAttachment(file, TEXT_FILE_KIND, limits.maxBytes, options), limits);
}
