/**
 * What the fake model answers in the benchmark: realistic Markdown (paragraphs, lists, code, a table) of 500 to
 * 8,000 characters, streamed one word per chunk every 20 ms (about 50 tokens/s). The lengths are spread
 * log-uniformly with a van der Corput sequence, so every load size gets an even spread and the same first
 * answers (one conversation: 2,000 characters; the median of every size is about 2,000).
 */
import { realisticAnswer } from "../fixtures.js";

export const MIN_CHARS = 500;
export const MAX_CHARS = 8_000;
export const WORDS_PER_CHUNK = 1;
export const CHUNK_PACE_MS = 20;

/** The base-2 van der Corput number of n ≥ 1: 1/2, 1/4, 3/4, 1/8, ... evenly filling (0, 1). */
export function vanDerCorput(n: number): number {
  let value = 0;
  let denominator = 1;
  for (let k = n; k > 0; k >>= 1) {
    denominator *= 2;
    value += (k & 1) / denominator;
  }
  return value;
}

/** The target length of conversation `index` (0-based). */
export function answerLength(index: number): number {
  return Math.round(MIN_CHARS * (MAX_CHARS / MIN_CHARS) ** vanDerCorput(index + 1));
}

/** The answer of conversation `index`: its Markdown, cut at a block end near the target length. */
export function answerText(index: number): string {
  return realisticAnswer(answerLength(index), 1000 + index).trim();
}

/** The tag a question carries so the fake model knows which conversation asks. */
export function questionTag(index: number): string {
  return `conversation-${index}`;
}

export function tagIndex(prompt: string): number | undefined {
  const match = /conversation-(\d+)/.exec(prompt);
  return match ? Number(match[1]) : undefined;
}
