/**
 * 👍 / 👎 on an answer, the same on every platform: what the store keeps for one person's vote on one answer
 * (one vote per person per answer, a second press replaces it) and how it is counted in Prometheus. An adapter
 * only says which answer and which person (the store key) and what they pressed.
 */
import type { Metrics } from "../ops/metrics.js";
import type { StateStore } from "../store/types.js";
import type { PlatformName } from "./platform.js";

/** What a press says. */
export type Vote = "good" | "bad";

/** The vote as `threadpilot_feedback_total`'s `rating` label, one vocabulary for every platform. */
export type Rating = "up" | "down";

export function asVote(value: unknown): Vote | undefined {
  return value === "good" || value === "bad" ? value : undefined;
}

export function ratingOf(vote: Vote): Rating {
  return vote === "good" ? "up" : "down";
}

/** What the store keeps for one person's vote on one answer. */
export interface StoredVote {
  vote: Vote;
  user: string;
  at: number;
}

export function asStoredVote(value: unknown): StoredVote | undefined {
  const v = value as Partial<StoredVote> | null | undefined;
  return v && asVote(v.vote) && typeof v.user === "string" && typeof v.at === "number" ? (v as StoredVote) : undefined;
}

export interface VoteToRecord {
  platform: PlatformName;
  /** The adapter's key for this person's vote on this answer. */
  key: string;
  user: string;
  vote: Vote;
  /** How long the vote is kept. */
  ttlMs: number;
}

/** What recording changed: whether the person had voted before, and whether this vote differs. */
export interface RecordedVote {
  before: Vote | undefined;
  /** A new or changed vote (counted); the same vote again is kept but not counted twice. */
  counted: boolean;
}

/** Keeps the vote (replacing the person's earlier one) and counts it unless it repeats the earlier one. */
export async function recordVote(
  store: StateStore,
  metrics: Pick<Metrics, "feedback"> | undefined,
  vote: VoteToRecord,
): Promise<RecordedVote> {
  const before = asStoredVote(await store.get(vote.key))?.vote;
  const stored: StoredVote = { vote: vote.vote, user: vote.user, at: Date.now() };
  await store.set(vote.key, stored, vote.ttlMs);
  const counted = before !== vote.vote;
  if (counted) metrics?.feedback(vote.platform, ratingOf(vote.vote));
  return { before, counted };
}
