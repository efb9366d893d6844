/**
 * Whether a file's bytes are text the model can read, judged from the bytes alone, never from the file name or
 * the platform's claimed mimetype: a "notes.txt" may be a zip, and a "build" with no extension may be a log.
 * Text here means valid UTF-8 (ASCII included) with no NUL byte and hardly any other control characters.
 */

/** Control characters text files do carry: tab, line feed, vertical tab, form feed, carriage return, escape (ANSI colours in logs), backspace. */
const ALLOWED_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b]);
/** Past this share of other control characters, the bytes are data that merely happens to be valid UTF-8. */
const MAX_CONTROL_SHARE = 0.01;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The text the bytes hold (a UTF-8 byte order mark dropped), or undefined when they are not UTF-8 text. */
export function decodeText(data: Uint8Array): string | undefined {
  // A NUL never occurs in text; it is the surest sign of a binary (and of UTF-16, which the model is not sent).
  if (data.includes(0)) return undefined;
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return undefined;
  }
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && !ALLOWED_CONTROLS.has(code)) || code === 0x7f) controls++;
  }
  if (text.length > 0 && controls / text.length > MAX_CONTROL_SHARE) return undefined;
  return text;
}
