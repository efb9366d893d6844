/** fast-check generators of answers with hard fences: nested, long, tilde, indented, and text of many graphemes. */
import fc from "fast-check";

const codeLine = fc.stringMatching(/^[a-z0-9 =();{}.+*<>-]{0,30}$/);
const info = fc.constantFrom("", "ts", "md", "python", "markdown title", "");
const indent = fc.constantFrom("", "", "", " ", "  ", "   ");

/** A fenced block whose body holds shorter fences of its own character, any fences of the other, and code. */
export const fencedBlock = fc
  .record({
    char: fc.constantFrom("`", "~"),
    length: fc.integer({ min: 3, max: 6 }),
    info,
    openIndent: indent,
    closeIndent: indent,
    closeExtra: fc.integer({ min: 0, max: 2 }),
    trailing: fc.constantFrom("", " ", "  "),
    body: fc.array(
      fc.oneof(
        { arbitrary: codeLine, weight: 4 },
        // A shorter run of the same character (with or without info): content, never the block's end.
        { arbitrary: fc.tuple(fc.constantFrom("`", "~"), fc.integer({ min: 3, max: 5 }), info), weight: 2 },
        { arbitrary: fc.constant("    ``````"), weight: 1 }, // four spaces: never a closing fence
      ),
      { minLength: 1, maxLength: 25 },
    ),
  })
  .map((b) => {
    const fence = b.char.repeat(b.length);
    const body = b.body.map((line) => {
      if (typeof line === "string") return line;
      const [char, len, lineInfo] = line;
      // Same character: shorter than the opening, or followed by an info string, so it cannot close the block.
      if (char === b.char) return len < b.length ? `${char.repeat(len)}${lineInfo}` : `${char.repeat(b.length)}x${lineInfo}`;
      return `${char.repeat(len)}${lineInfo}`;
    });
    return [`${b.openIndent}${fence}${b.info}`, ...body, `${b.closeIndent}${b.char.repeat(b.length + b.closeExtra)}${b.trailing}`].join("\n");
  });

const prose = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,10}$/), { minLength: 3, maxLength: 60 })
  .map((ws) => ws.join(" "));

/** Prose and hard fenced blocks, separated by blank lines. */
export const fencedAnswer = fc
  .array(fc.oneof({ arbitrary: prose, weight: 2 }, { arbitrary: fencedBlock, weight: 3 }), { minLength: 1, maxLength: 8 })
  .map((blocks) => blocks.join("\n\n"));

/** Grapheme clusters longer than one code unit, and the plain characters around them. */
export const CLUSTERS = [
  "👩‍👩‍👧‍👦", // family: four emoji joined with ZWJ (11 code units)
  "🧑🏽‍💻", // skin tone + ZWJ
  "🏳️‍🌈",
  "🇫🇷", // regional indicator pair
  "1️⃣", // keycap
  "e\u0301\u0323", // combining marks
  "\u1100\u1161\u11A8", // Hangul jamo
  "😀",
];

export const graphemeText = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...CLUSTERS), weight: 6 },
      { arbitrary: fc.constantFrom(" ", "\n", "\n\n", "a", "word"), weight: 2 },
    ),
    { minLength: 1, maxLength: 300 },
  )
  .map((parts) => parts.join("").trim())
  // Leading or trailing whitespace next to a cluster as long as a message would force a choice between a blank
  // message and a cut cluster (the splitter cuts the cluster: a blank message is refused by the platforms).
  .filter((text) => text !== "");
