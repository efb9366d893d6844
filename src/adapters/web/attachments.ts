/**
 * Files attached in the web chat: uploaded before the message is sent, kept in the store with their owner, and
 * served back only to them. The bytes decide what a file is (never its name or the browser's claimed type): a
 * file is shown inline and handed to a model that can see only if it is really a PNG, JPEG, GIF or WebP, by the
 * same rule and limits as images on Slack and Discord (src/media). Other files are kept and listed; reading them
 * for the model is left to the files issue (#16).
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGES, selectImages, type ImageDownload, type SelectedImages } from "../../media/image-selection.js";
import { detectImageType } from "../../media/image-type.js";
import type { StateStore } from "../../store/types.js";
import { CONVERSATION_TTL_MS, type AttachmentRef } from "./conversation-store.js";
import { storeKeys } from "./store-keys.js";

/** How many files one message may carry (images beyond MAX_IMAGES are skipped with a note, as elsewhere). */
export const MAX_ATTACHMENTS_PER_MESSAGE = 20;
const NAME_MAX = 200;

interface StoredFile extends AttachmentRef {
  owner: string;
  /** Base64: the store keeps JSON. */
  data: string;
}

export class FileStore {
  constructor(
    private readonly store: StateStore,
    /** MAX_IMAGE_BYTES: no upload may be larger. */
    readonly maxBytes: number = DEFAULT_MAX_IMAGE_BYTES,
  ) {}

  async save(owner: string, input: { name: string; declaredType?: string; data: Buffer }): Promise<AttachmentRef> {
    const imageType = detectImageType(input.data);
    const ref: AttachmentRef = {
      id: randomUUID(),
      name: cleanName(input.name),
      size: input.data.length,
      ...(imageType ? { imageType } : {}),
      ...(input.declaredType ? { declaredType: input.declaredType.slice(0, 100) } : {}),
    };
    const stored: StoredFile = { ...ref, owner, data: input.data.toString("base64") };
    await this.store.set(storeKeys.file(ref.id), stored, CONVERSATION_TTL_MS);
    return ref;
  }

  /** The file's description if it exists and belongs to `owner`. */
  async ref(fileId: string, owner: string): Promise<AttachmentRef | undefined> {
    const stored = await this.stored(fileId, owner);
    return stored ? refOf(stored) : undefined;
  }

  async bytes(fileId: string, owner: string): Promise<{ ref: AttachmentRef; data: Buffer } | undefined> {
    const stored = await this.stored(fileId, owner);
    return stored ? { ref: refOf(stored), data: Buffer.from(stored.data, "base64") } : undefined;
  }

  /**
   * The images of `refs` the model sees, by the one rule of src/media (count cap, size cap, type from the bytes),
   * and the sentence about the rest. Files presented as images are candidates; the bytes decide.
   */
  async imagesFor(
    refs: readonly AttachmentRef[],
    owner: string,
    limits: { maxCount?: number; maxBytes?: number },
    log: Logger,
  ): Promise<SelectedImages> {
    const maxBytes = limits.maxBytes ?? this.maxBytes;
    return selectImages(refs.filter(looksLikeImage), (ref) => this.download(ref, owner, maxBytes, log), {
      maxCount: limits.maxCount ?? DEFAULT_MAX_IMAGES,
      maxBytes,
    });
  }

  private async download(ref: AttachmentRef, owner: string, maxBytes: number, log: Logger): Promise<ImageDownload> {
    if (ref.size > maxBytes) return "too_large";
    const file = await this.bytes(ref.id, owner);
    if (!file) {
      log.info({ fileId: ref.id }, "An attached file is no longer in the store; skipped");
      return "failed";
    }
    const mimeType = detectImageType(file.data);
    if (!mimeType) return "not_image";
    return { data: file.data, mimeType, displayName: file.ref.name };
  }

  private async stored(fileId: string, owner: string): Promise<StoredFile | undefined> {
    const stored = await this.store.get<StoredFile>(storeKeys.file(fileId));
    if (!stored || stored.owner !== owner || typeof stored.data !== "string") return undefined;
    return stored;
  }
}

function refOf(stored: StoredFile): AttachmentRef {
  return {
    id: stored.id,
    name: stored.name,
    size: stored.size,
    ...(stored.imageType ? { imageType: stored.imageType } : {}),
    ...(stored.declaredType ? { declaredType: stored.declaredType } : {}),
  };
}

/** Files presented as images, by the browser's claimed type or their name; the bytes decide what they really are. */
export function looksLikeImage(ref: AttachmentRef): boolean {
  return Boolean(ref.imageType) || /^image\//i.test(ref.declaredType ?? "") || /\.(png|jpe?g|gif|webp)$/i.test(ref.name);
}

/** A file name to show: no path, no control characters, not endless. */
export function cleanName(name: string): string {
  const base = [...(name.split(/[\\/]/).pop() ?? "")].filter((c) => c >= " " && c !== "\u007f").join("").trim();
  const named = base || "file";
  return named.length > NAME_MAX ? named.slice(0, NAME_MAX) : named;
}
