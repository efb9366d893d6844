/**
 * The text, code and log files of a Slack thread the model reads: every file not presented as an image, of
 * messages up to the one answered (the bot's own uploads left out), newest first, by the one rule of src/media
 * (text-files.ts) through the one Slack download (file-fetch.ts).
 */
import { selectTextFiles, TEXT_FILE_KIND, type SelectedTextFiles, type TextFileCandidate, type TextFileLimits } from "../../media/text-files.js";
import { fetchSlackFile, type SlackFileFetchOptions } from "./file-fetch.js";
import type { SlackFile } from "./history-reader.js";
import { looksLikeImage } from "./image-fetch.js";

/** One message's files, and whether that message is one being answered now. */
export interface FilesOfMessage {
  files: readonly SlackFile[];
  asked: boolean;
}

/** `messages` oldest first; Slack's hidden or external files (no `url_private`) count as not downloadable. */
export async function fetchTextFiles(messages: readonly FilesOfMessage[], limits: TextFileLimits, options: SlackFileFetchOptions): Promise<SelectedTextFiles> {
  const candidates: TextFileCandidate<SlackFile>[] = [...messages]
    .reverse()
    .flatMap((message) => [...message.files].reverse().filter((file) => !looksLikeImage(file)).map((file) => ({ file, asked: message.asked })));
  return selectTextFiles(candidates, (file) => fetchSlackFile(file, TEXT_FILE_KIND, limits.maxBytes, options), limits);
}
