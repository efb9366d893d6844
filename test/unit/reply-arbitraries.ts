/** fast-check generators of answers as a model writes them: paragraphs, lists, code fences, tables. */
import fc from "fast-check";

const word = fc
  .tuple(
    fc.constantFrom("", "", "", "", "**", "_", "`"),
    fc.stringMatching(/^[a-z0-9]{1,12}$/),
  )
  .map(([mark, w]) => (mark ? `${mark}${w}${mark}` : w));

const words = (min: number, max: number) => fc.array(word, { minLength: min, maxLength: max }).map((ws) => ws.join(" "));

const paragraph = words(3, 90);
const link = fc.stringMatching(/^[a-z]{2,10}$/).map((w) => `See [the ${w} docs](https://example.com/${w}).`);
const list = fc
  .tuple(fc.constantFrom("-", "*", "1."), fc.array(words(1, 12), { minLength: 2, maxLength: 6 }))
  .map(([marker, items]) => items.map((it) => `${marker} ${it}`).join("\n"));
const codeLine = fc.stringMatching(/^[a-z0-9 =();{}.+*<>-]{0,40}$/);
const code = fc
  .tuple(fc.constantFrom("ts", "python", "", "bash", "json"), fc.array(codeLine, { minLength: 1, maxLength: 40 }))
  .map(([lang, lines]) => `\`\`\`${lang}\n${lines.join("\n")}\n\`\`\``);
const cell = fc.stringMatching(/^[a-z0-9]{1,10}$/);
const table = fc
  .integer({ min: 2, max: 4 })
  .chain((cols) =>
    fc.tuple(
      fc.array(cell, { minLength: cols, maxLength: cols }),
      fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 8 }),
    ),
  )
  .map(([head, rows]) =>
    [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n"),
  );

export const block = fc.oneof(
  { arbitrary: paragraph, weight: 5 },
  { arbitrary: list, weight: 2 },
  { arbitrary: code, weight: 2 },
  { arbitrary: table, weight: 1 },
  { arbitrary: link, weight: 1 },
);

/** An answer of `min`..`max` blocks. */
export const answer = (min = 1, max = 12) =>
  fc.array(block, { minLength: min, maxLength: max }).map((blocks) => blocks.join("\n\n"));

/** Offsets to cut `text` into deltas: mostly small pieces, like model tokens. */
export const cutsFor = (text: string) =>
  fc.array(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: Math.ceil(text.length / 3) })
    .map((cs) => [...new Set(cs)].sort((a, b) => a - b));
