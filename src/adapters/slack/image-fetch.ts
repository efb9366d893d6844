/**
 * Downloads the images of the messages being answered so the model can see them, through the one Slack file
 * download (file-fetch.ts: the token only to Slack's hosts, size capped, type from the bytes).
 */
import {
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_IMAGES,
  IMAGE_KIND,
  asImageDownload,
  selectImages,
  type SelectedImages,
} from "../../media/image-selection.js";
import { fetchSlackFile, type SlackFileFetchOptions } from "./file-fetch.js";
import { isImageFile, type SlackFile } from "./history-reader.js";

export { isTrustedFileHost } from "./file-fetch.js";

export interface ImageFetchOptions extends SlackFileFetchOptions {
  maxBytes?: number;
  maxCount?: number;
}

/** Files presented as images: by their claimed type or their name. Their bytes decide what they really are. */
export function looksLikeImage(file: SlackFile): boolean {
  return isImageFile(file) || /\.(png|jpe?g|gif|webp)$/i.test(file.name ?? "");
}

/** The images of `files` the model gets, by the one rule of src/media, and the sentence about the rest. */
export async function fetchImages(files: readonly SlackFile[], options: ImageFetchOptions): Promise<SelectedImages> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  return selectImages(files.filter(looksLikeImage), async (file) => asImageDownload(await fetchSlackFile(file, IMAGE_KIND, maxBytes, options)), {
    maxCount: options.maxCount ?? DEFAULT_MAX_IMAGES,
    maxBytes,
  });
}
