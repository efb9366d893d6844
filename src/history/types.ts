/** One message of a platform conversation, already stripped of platform syntax. */
export interface HistoryMessage {
  /** `assistant` is only ever this bot's own message; other bots are `user` with `isBot`. */
  role: "user" | "assistant";
  /** Display name of the author (a person, or another bot). Empty when unknown. */
  speaker: string;
  /** Plain text with the bot's mention removed. */
  text: string;
  /** How many image files or attachments the message carried. */
  imageCount: number;
  /** True when the author is a bot other than this one. */
  isBot?: boolean;
}

/** An image to hand to the model with the message being answered. */
export interface ImageInput {
  /** Raw bytes of the image. */
  data: Buffer;
  /** Detected from the content, never from the file name. */
  mimeType: string;
  displayName?: string;
}

/** A text, code or log file to hand to the model with the conversation (its bytes checked to be UTF-8 text). */
export interface TextFileInput {
  /** The file's name as attached (the model reads the language from it). */
  name: string;
  text: string;
  /** Size of the file as downloaded. */
  bytes: number;
}
