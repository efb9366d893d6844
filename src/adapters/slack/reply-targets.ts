/**
 * The Slack reply targets of one adapter: post + chat.update on the workspace's budgets, Slack's native stream
 * (each stream method on its own per-workspace budget) where it may be used, and the assistant status line.
 */
import type { webApi } from "@slack/bolt";
import type { BudgetRate, budgets as defaultBudgets } from "../../reply/budget/budget.js";
import { feedbackBlocks } from "./feedback.js";
import { NATIVE_STREAM_RATES, SlackNativeStreaming } from "./native-stream.js";
import { RefusalMemory } from "./refusal-memory.js";
import { SlackReplyTarget } from "./reply-target.js";
import { SlackStatusLine, STATUS_RATE } from "./status-line.js";
import { StopControlMessage } from "./stop-control-message.js";
import type { RepliedThread } from "./store-keys.js";

export interface SlackReplyTargetDeps {
  writeClient: webApi.WebClient;
  budgets: typeof defaultBudgets;
  updateRate: BudgetRate;
  postRate: BudgetRate;
  /** Remembers that a posted message belongs to a thread (a stop reaction names only the message). */
  rememberReply: (channel: string, ts: string, replied: RepliedThread) => Promise<void>;
  options: {
    statusLine?: boolean;
    nativeStreaming?: boolean;
    streamRates?: Partial<typeof NATIVE_STREAM_RATES>;
    streamLifetimeMs?: number;
    maxMessageLength?: number;
  };
}

export function slackReplyTargets(deps: SlackReplyTargetDeps) {
  const { writeClient, budgets, updateRate, postRate, rememberReply, options } = deps;

const streamRates = { ...NATIVE_STREAM_RATES, ...options.streamRates };
// chat.delete: "Rate limits: Tier 3" (api.slack.com/methods/chat.delete), per workspace; a native answer's Stop
// message is deleted through it when the answer ends.
const deleteRate: BudgetRate = { calls: 50, perMs: 60_000 };
const refusals = new RefusalMemory();
const statusRefusals = new RefusalMemory();

function statusLine(team: string, channel: string, threadTs: string): SlackStatusLine | undefined {
  if (options.statusLine === false) return undefined;
  // setStatus has its own limit per workspace, shared by every replica like chat.update's budget.
  const budget = budgets.forScope(`slack:${team}:assistant.threads.setStatus`, STATUS_RATE);
  return new SlackStatusLine({ client: writeClient, team, channel, threadTs, refusals: statusRefusals, budget });
}

/** Slack's native stream for an answer to `recipient` (a person: Slack streams to a user), unless turned off. */
function nativeStream(
  team: string,
  channel: string,
  threadTs: string,
  recipient: string | undefined,
  onStarted?: (ts: string) => Promise<void>,
  stopControl?: StopControlMessage,
): SlackNativeStreaming | undefined {
  if (options.nativeStreaming === false || !recipient) return undefined;
  return new SlackNativeStreaming({
    client: writeClient,
    team,
    channel,
    threadTs,
    recipientUserId: recipient,
    // Each method has its own tier per workspace, shared by every replica like chat.update's budget.
    budgets: {
      start: budgets.forScope(`slack:${team}:chat.startStream`, streamRates.start),
      append: budgets.forScope(`slack:${team}:chat.appendStream`, streamRates.append),
      stop: budgets.forScope(`slack:${team}:chat.stopStream`, streamRates.stop),
    },
    refusals,
    // 👍/👎 under the answer's last message, attached at its final chat.stopStream.
    finalBlocks: feedbackBlocks,
    ...(options.streamLifetimeMs !== undefined ? { lifetimeMs: options.streamLifetimeMs } : {}),
    ...(onStarted ? { onStarted } : {}),
    ...(stopControl ? { stopControl } : {}),
  });
}

/**
 * Where a reply goes; with `replied`, every message posted remembers its thread (a stop reaction names only the
 * message); with `recipient` (the person answered), Slack may stream it natively.
 */
function replyTarget(
  team: string,
  channel: string,
  threadTs: string,
  replied?: RepliedThread,
  recipient?: string,
  status?: SlackStatusLine,
): SlackReplyTarget {
  const onPosted = replied ? (ts: string) => rememberReply(channel, ts, replied) : undefined;
  const postBudget = budgets.forScope(`slack:${team}:${channel}:chat.postMessage`, postRate);
  // An answer to a person gets Stop and feedback buttons; a natively streamed one keeps its Stop in a message of
  // its own (stop-control-message.ts), removed however the answer ends.
  const stopControl =
    replied && recipient
      ? new StopControlMessage({
          client: writeClient,
          channel,
          threadTs,
          askerUserId: recipient,
          postBudget,
          deleteBudget: budgets.forScope(`slack:${team}:chat.delete`, deleteRate),
          ...(onPosted ? { onPosted } : {}),
        })
      : undefined;
  const native = nativeStream(team, channel, threadTs, recipient, onPosted, stopControl);
  return new SlackReplyTarget({
    client: writeClient,
    channel,
    threadTs,
    budget: budgets.forScope(`slack:${team}:chat.update`, updateRate),
    postBudget,
    maxMessageLength: options.maxMessageLength,
    ...(replied
      ? { controls: { askerUserId: recipient, ...(stopControl ? { onAnswerEnded: () => stopControl.remove() } : {}) } }
      : {}),
    ...(onPosted ? { onPosted } : {}),
    ...(native ? { nativeStream: native } : {}),
    ...(status ? { statusLine: status } : {}),
  });
}

/** The target an interrupted answer is marked through after a crash: it closes a stream left open first. */
function reopenedReplyTarget(team: string, channel: string, threadTs: string): SlackReplyTarget {
  return new SlackReplyTarget({
    client: writeClient,
    channel,
    threadTs,
    budget: budgets.forScope(`slack:${team}:chat.update`, updateRate),
    postBudget: budgets.forScope(`slack:${team}:${channel}:chat.postMessage`, postRate),
    maxMessageLength: options.maxMessageLength,
    closeStreamsBudget: budgets.forScope(`slack:${team}:chat.stopStream`, streamRates.stop),
  });
}

  return { replyTarget, statusLine, reopenedReplyTarget };
}
