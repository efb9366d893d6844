/**
 * Downloads the images attached to the answered messages so the model can see them, through the one Discord
 * attachment download (file-fetch.ts: Discord's CDN only, no redirect, size capped, type from the bytes).
 */
import type { Message } from "discord.js";
import {
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_IMAGES,
  IMAGE_KIND,
  asImageDownload,
  selectImages,
  type SelectedImages,
} from "../../media/image-selection.js";
import { isImageAttachment } from "./discord-text.js";
import { fetchDiscordAttachment, type DiscordFileFetchOptions } from "./file-fetch.js";

export { isDiscordAttachmentHost } from "./file-fetch.js";

export interface ImageFetchOptions extends DiscordFileFetchOptions {
  maxCount?: number;
  maxBytes?: number;
}

/** The images of `messages` (oldest first) the model gets, by the one rule of src/media, and the sentence about the rest. */
export async function fetchImages(messages: Message | readonly Message[], options: ImageFetchOptions): Promise<SelectedImages> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const list = Array.isArray(messages) ? (messages as readonly Message[]) : [messages as Message];
  const candidates = list.flatMap((message) => [...message.attachments.values()]).filter(isImageAttachment);
  return selectImages(candidates, async (attachment) => asImageDownload(await fetchDiscordAttachment(attachment, IMAGE_KIND, maxBytes, options)), {
    maxCount: options.maxCount ?? DEFAULT_MAX_IMAGES,
    maxBytes,
  });
}
