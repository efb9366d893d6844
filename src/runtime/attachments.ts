/**
 * What goes with a prompt as the SDK's attachments: the images (only to a model that can see them) and the text
 * files. Both are blobs: the runtime hands a blob of a text type to the model as text in the user message
 * (`<attachment mimeType="text/plain" name="…">…</attachment>`, seen against the fake model), so no file is
 * written to disk and no model capability is needed for it. The files' bytes were checked to be UTF-8 text;
 * their type is said as text/plain whatever they claimed, and their name keeps the language.
 */
import type { MessageOptions } from "@github/copilot-sdk";
import type { AnswerRequest } from "./types.js";

export type Attachment = NonNullable<MessageOptions["attachments"]>[number];

export function messageAttachments(request: Pick<AnswerRequest, "images" | "files">, vision: boolean): Attachment[] {
  const images = vision ? (request.images ?? []) : [];
  return [
    ...(request.files ?? []).map((file) => ({
      type: "blob" as const,
      data: Buffer.from(file.text, "utf8").toString("base64"),
      mimeType: "text/plain",
      displayName: file.name,
    })),
    ...images.map((image, i) => ({
      type: "blob" as const,
      data: image.data.toString("base64"),
      mimeType: image.mimeType,
      displayName: image.displayName ?? `image-${i + 1}`,
    })),
  ];
}
