/**
 * The platform contract: what every chat platform gives the core, and nothing more. An adapter (src/adapters/*)
 * translates its platform's events into InboundMessage / StopRequest for the intake (src/core/intake.ts), reads a
 * thread into a history when the coordinator runs it, opens reply targets, and renders replies; everything else
 * (exactly-once claims, follow-ups, the access gate, the per-user limit, stop routing, the per-thread
 * coordinator and draining on shutdown) happens once, in the core.
 */
import type { Logger } from "pino";
import type { HistoryMessage, ImageInput, TextFileInput } from "../history/types.js";
import type { ReplyTarget } from "../reply/target.js";
import type { AccessRequest } from "../safety/access.js";
import type { ReadOlder } from "../tools/read-thread.js";
import type { SettingsKeys } from "./conversation-settings.js";

export type PlatformName = "slack" | "discord" | "web";

/** What src/app.ts sees of a running platform: start it, check it, stop it. */
export interface Platform extends PlatformDescription {
  /** Connects; resolves with facts for the start-up log line once messages are being received. */
  start(): Promise<Record<string, unknown>>;
  /** Stops taking messages, lets running answers finish for up to `graceMs`, aborts the rest, disconnects. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no message is being handled and no answer is running here (tests, shutdown). */
  whenIdle(): Promise<void>;
  /** Whether the platform is reachable right now. */
  health(): PlatformHealth;
  /** Who the bot is on this platform (known once started). */
  identity(): Promise<PlatformIdentity>;
}

export interface PlatformHealth {
  ok: boolean;
  detail?: string;
}

export interface PlatformIdentity {
  botUserId: string;
  botName?: string;
}

/** Which platform this is, in names and words. */
export interface PlatformDescription {
  readonly name: PlatformName;
  /** "Slack", "Discord": for log lines and sentences. */
  readonly displayName: string;
  /** What one coordinated unit is called in log lines: "thread", "conversation". */
  readonly threadNoun: string;
}

/** The items an adapter queues for a thread's next run (plain JSON, kept in the store). */
export interface QueuedItems<Item> {
  /** Queue items come back from the store; one written by another version must not break the run. */
  isQueuedItem(item: unknown): item is Item;
  /** Oldest first. */
  compareItems(a: Item, b: Item): number;
  /**
   * The workspace an item's answer is counted against (a Slack workspace, a Discord server): usage metrics and the
   * daily budget are kept per workspace. Without it, the whole platform is one workspace.
   */
  workspaceOf?(item: Item): string;
}

/** What the core needs from an adapter to answer a thread: its item shape, its history, its reply targets. */
export interface PlatformThreads<Item> extends PlatformDescription, QueuedItems<Item> {
  /**
   * Reads the thread for one run on `batch` (oldest first, the newest is answered): its history, images and
   * notices, the read_thread pages, and the reply target. Undefined when nothing is left to answer.
   */
  readTurn(threadKey: string, batch: Item[], log: Logger): Promise<ThreadTurn | undefined>;
  /** A reply target in the thread of `item`, for a sentence when the thread could not be read. */
  openReplyTarget(item: Item): Promise<ReplyTarget>;
  /**
   * The reply target an answer to `item` posted `messageIds` through (ids from ReplyTarget.post, oldest first),
   * reopened by another process after a crash or restart: its `edit` (and `delete`, if any) must work on those
   * messages. The core marks the interrupted reply through it, then answers again.
   */
  reopenReplyTarget(item: Item, messageIds: readonly string[]): Promise<ReplyTarget>;
}

/** One run's turn as an adapter reads it; the core adds the platform, the thread and the stop signal. */
export interface ThreadTurn {
  /** Oldest first; the last one is the message being answered. */
  history: HistoryMessage[];
  images: ImageInput[];
  /** Text files of the conversation for the model, already downloaded and checked to be text. */
  files?: TextFileInput[];
  target: ReplyTarget;
  readOlder?: ReadOlder;
  /** Sentences for the user about what was left out of their message (images it could not take, say). */
  notices?: string[];
  /** Where the conversation's chosen model and instructions are kept (the adapter's store keys). */
  settingsKeys?: SettingsKeys;
}

/** What an adapter reports for a message that may deserve an answer (already classified as addressed to the bot). */
export interface InboundMessage<Item> {
  /** For log lines: "mention", "followup", "dm", ... */
  kind: string;
  /** Claimed once in the store: redeliveries and replays of the same message are answered once. */
  messageKey: string;
  /** Starts with the platform's name and a colon ("slack:…"): the store is shared by every platform. */
  threadKey: string;
  /** A follow-up without a mention: answered only while this store key says the bot follows the thread. */
  followedKey?: string;
  access: AccessRequest;
  /** Where a refusal is said (a reply to the message). */
  openReplyTarget(): ReplyTarget;
  /** Store keys the adapter needs later (which thread a reply belongs to ...), written once the message is accepted. */
  remember?: ReadonlyArray<readonly [key: string, value: unknown]>;
  /** What the coordinator queues; plain JSON. */
  item: Item;
  log: Logger;
}

/** "stop" said or reacted by someone: stops the thread's running answer, wherever it runs. */
export interface StopRequest {
  /** The thread to stop; undefined when the adapter found none (a stop where the bot has not answered). */
  threadKey: string | undefined;
  /** Claimed once in the store, with how long: a replayed stop stops once. */
  claim?: { key: string; ttlMs?: number };
  /** A stop written as a follow-up counts only in a thread the bot follows (as InboundMessage.followedKey). */
  followedKey?: string;
  access: AccessRequest;
  /** Where a refusal is said. */
  openReplyTarget(): ReplyTarget;
  log: Logger;
}
