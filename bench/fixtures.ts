/** A realistic answer, cut into model-sized tokens, for the benchmark: the same input for every editor. */

/** A small seeded PRNG (mulberry32), so every run streams the same tokens at the same times. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY = (
  "the streamer edits a message in place while the model writes so people see the answer grow and every " +
  "platform limits how often a bot may edit which is why pacing matters more than speed alone when many " +
  "threads share one workspace budget and code blocks tables lists all need care at message boundaries"
).split(" ");

/** About `length` characters of Markdown: paragraphs, a list, a code block, a table, more paragraphs. */
export function realisticAnswer(length: number, seed: number): string {
  const random = prng(seed);
  const pick = () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!;
  const sentence = () => {
    const n = 8 + Math.floor(random() * 14);
    const words = Array.from({ length: n }, pick);
    if (random() < 0.3) words[2] = `**${words[2]}**`;
    if (random() < 0.2) words[5] = `\`${words[5]}\``;
    const s = words.join(" ");
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: 2 + Math.floor(random() * 4) }, sentence).join(" ");
  const list = () => Array.from({ length: 4 }, () => `- ${sentence()}`).join("\n");
  const code = () =>
    [
      "```ts",
      ...Array.from({ length: 14 }, (_, i) => `const ${pick()}${i} = await ${pick()}(${JSON.stringify(pick())});`),
      "```",
    ].join("\n");
  const table = () =>
    [
      "| Platform | Limit | Budget |",
      "|---|---:|---|",
      "| Slack | 4000 | 50 edits a minute per workspace |",
      "| Discord | 2000 | 5 calls per 5 s per channel |",
      "| Naive | none | every 500 ms |",
    ].join("\n");
  const blocks: string[] = [];
  const plan = [paragraph, paragraph, list, code, paragraph, table, paragraph, code, list, paragraph];
  let i = 0;
  while (blocks.join("\n\n").length < length) blocks.push(plan[i++ % plan.length]!());
  let text = blocks.join("\n\n");
  // Trim to about `length` at a paragraph end, keeping fences balanced.
  while (text.length > length * 1.1 && blocks.length > 1) {
    blocks.pop();
    text = blocks.join("\n\n");
  }
  return text;
}

/** Model tokens: about 4 characters each, cut at word starts where possible. */
export function tokenize(text: string, seed: number): string[] {
  const random = prng(seed);
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const size = 2 + Math.floor(random() * 5);
    let end = Math.min(text.length, i + size);
    const space = text.indexOf(" ", i + 1);
    if (space > 0 && space < end) end = space;
    tokens.push(text.slice(i, end));
    i = end;
  }
  return tokens;
}
