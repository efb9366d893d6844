/**
 * Image type by content (magic bytes), never by file name or the platform's claimed mimetype: a file called
 * cat.png may be anything. Shared by every adapter that hands images to the model.
 */
export type ImageMimeType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

const startsWith = (data: Uint8Array, bytes: readonly number[], offset = 0): boolean =>
  data.length >= offset + bytes.length && bytes.every((b, i) => data[offset + i] === b);

/** The image type the bytes really are, or undefined for anything the model should not be sent. */
export function detectImageType(data: Uint8Array): ImageMimeType | undefined {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(data, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(data, [0x47, 0x49, 0x46, 0x38]) && (data[4] === 0x37 || data[4] === 0x39) && data[5] === 0x61) {
    return "image/gif";
  }
  // RIFF....WEBP
  if (startsWith(data, [0x52, 0x49, 0x46, 0x46]) && startsWith(data, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return undefined;
}
