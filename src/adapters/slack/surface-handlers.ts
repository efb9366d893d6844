/**
 * Slack's surfaces beyond messages: the assistant panel (suggested prompts when a thread starts, a title from its
 * first question), the message shortcut "Ask Copilot about this thread", `/copilot <question>`, and 👍/👎 feedback
 * on answers. Each is acked at once (Slack's 3 s) and handed to the core's intake like any message.
 */
import type { App, webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { asVote, recordVote } from "../../core/answer-feedback.js";
import { describeError } from "../../core/describe-error.js";
import type { Intake } from "../../core/intake.js";
import type { Metrics } from "../../ops/metrics.js";
import { withBudget, type EditBudget, type ReplyTarget } from "../../reply/target.js";
import type { QueuedSlackMessage } from "./conversation.js";
import { FEEDBACK_ACTION_ID } from "./feedback.js";
import { matchSubcommand, type CopilotSubcommand } from "./copilot-subcommands.js";
import { asRepliedThread, storeKeys } from "./store-keys.js";
import {
  SLASH_COMMAND,
  SUGGESTED_PROMPTS,
  THREAD_SHORTCUT_CALLBACK_ID,
  parseAssistantThreadStarted,
  parseShortcut,
  parseSlashCommand,
  titleFrom,
} from "./surfaces.js";

export interface SurfaceDeps {
  app: App;
  writeClient: webApi.WebClient;
  intake: Intake<QueuedSlackMessage>;
  logger: Logger;
  replyTarget: (team: string, channel: string, threadTs: string) => ReplyTarget;
  whoAmI: () => Promise<{ botUserId: string }>;
  /** chat.postMessage's budget in a channel (a slash command's question is posted there). */
  postBudget: (team: string, channel: string) => EditBudget;
  metrics?: Pick<Metrics, "feedback">;
  /** `/copilot <subcommand> …` (model, instructions, …); any other text is a question. */
  subcommands?: readonly CopilotSubcommand[];
}

/** Registers the listeners; returns what the message handler needs (titling a panel thread on its first question). */
export function registerSurfaces(deps: SurfaceDeps): {
  titleAssistantThread(channel: string, threadTs: string, question: string, log: Logger): Promise<void>;
} {
  const { app, writeClient, intake, logger, replyTarget, whoAmI, postBudget, metrics, subcommands = [] } = deps;

async function onAssistantThreadStarted(rawEvent: unknown): Promise<void> {
  const started = parseAssistantThreadStarted(rawEvent);
  if (!started) return;
  const log = logger.child({ channel: started.channel, threadTs: started.threadTs });
  await intake.store.set(storeKeys.assistantThread(started.channel, started.threadTs), true, intake.followTtlMs);
  try {
    await writeClient.assistant.threads.setSuggestedPrompts({
      channel_id: started.channel,
      thread_ts: started.threadTs,
      prompts: SUGGESTED_PROMPTS,
    });
  } catch (error) {
    log.warn({ err: describeError(error) }, "Could not offer suggested prompts in the assistant panel");
  }
}

/** The first question in an assistant-panel thread names it (assistant.threads.setTitle); once. */
async function titleAssistantThread(channel: string, threadTs: string, question: string, log: Logger): Promise<void> {
  const key = storeKeys.assistantThread(channel, threadTs);
  if ((await intake.store.get(key)) !== true) return;
  await intake.store.set(key, "titled", intake.followTtlMs);
  const me = await whoAmI();
  try {
    await writeClient.assistant.threads.setTitle({ channel_id: channel, thread_ts: threadTs, title: titleFrom(question, me.botUserId) });
  } catch (error) {
    log.warn({ err: describeError(error) }, "Could not title the assistant panel's thread");
  }
}

/** "Ask Copilot about this thread" on a message: answered in that message's thread, for the person who asked. */
async function onShortcut(body: unknown): Promise<void> {
  const use = parseShortcut(body);
  if (!use) {
    logger.debug("Malformed message shortcut ignored");
    return;
  }
  const { team, channel, threadTs, ts, user } = use;
  const log = logger.child({ channel, ts, shortcut: THREAD_SHORTCUT_CALLBACK_ID });
  await intake.message({
    kind: "shortcut",
    // Each use is its own request (the same message may be asked about again): keyed by its trigger.
    messageKey: storeKeys.handled(team, channel, `shortcut:${use.triggerId}`),
    threadKey: storeKeys.thread(team, channel, threadTs),
    access: { platform: "slack", userId: user, channelId: channel },
    openReplyTarget: () => replyTarget(team, channel, threadTs),
    remember: [[storeKeys.followed(team, channel, threadTs), true]],
    item: { team, channel, threadTs, ts, user, text: use.text, files: [] },
    log,
  });
}

/** `/copilot <question>`: the question is posted as a new message, answered in its thread for the asker. */
async function onSlashCommand(command: unknown, respond: (text: string) => Promise<unknown>): Promise<void> {
  const use = parseSlashCommand(command);
  if (!use) {
    logger.debug("Malformed slash command ignored");
    return;
  }
  const { team, channel, user, question } = use;
  const log = logger.child({ channel, command: SLASH_COMMAND });
  let ts: string;
  try {
    const posted = await withBudget(postBudget(team, channel), () =>
      writeClient.chat.postMessage({ channel, text: `<@${user}> asked: ${question}`, unfurl_links: false, unfurl_media: false }),
    );
    if (!posted.ts) throw new Error("Slack accepted the message but returned no ts.");
    ts = posted.ts;
  } catch (error) {
    log.warn({ err: describeError(error) }, "Could not post a slash command's question");
    await respond("Sorry, I could not post your question in this channel (am I a member of it?).").catch(() => undefined);
    return;
  }
  await intake.message({
    kind: "command",
    messageKey: storeKeys.handled(team, channel, ts),
    threadKey: storeKeys.thread(team, channel, ts),
    access: { platform: "slack", userId: user, channelId: channel },
    openReplyTarget: () => replyTarget(team, channel, ts),
    remember: [[storeKeys.followed(team, channel, ts), true]],
    item: { team, channel, threadTs: ts, ts, user, text: question, files: [], askedFor: true },
    log,
  });
}

// Acked at once, within Slack's 3 s; an empty question gets its usage instead.
app.command(SLASH_COMMAND, async ({ ack, command, respond }) => {
  if (!command.text?.trim()) {
    await ack({ response_type: "ephemeral", text: `Ask a question: \`${SLASH_COMMAND} how do I …?\`` });
    return;
  }
  const sub = matchSubcommand(subcommands, command.text);
  await ack();
  if (sub) {
    const { team_id: team, channel_id: channel, user_id: user } = command;
    const log = logger.child({ channel, command: `${SLASH_COMMAND} ${sub.subcommand.name}` });
    const answer = async (text: string) => {
      await respond({ response_type: "ephemeral", text });
    };
    intake.track(sub.subcommand.run({ team, channel, user, args: sub.args, respond: answer, log }));
    return;
  }
  intake.track(onSlashCommand(command, (text) => respond({ response_type: "ephemeral", text })));
});
app.shortcut(THREAD_SHORTCUT_CALLBACK_ID, async ({ ack, body }) => {
  await ack();
  intake.track(onShortcut(body));
});
app.event("assistant_thread_started", async ({ event }) => {
  intake.track(onAssistantThreadStarted(event));
});

/** A 👍/👎 press on one of the bot's answers: one vote per person per answer, kept in the store and counted. */
async function onFeedback(body: unknown): Promise<void> {
  const press = body as {
    user?: { id?: string };
    container?: { channel_id?: string; message_ts?: string };
    actions?: Array<{ action_id?: string; value?: string }>;
  };
  const vote = asVote(press.actions?.find((a) => a.action_id === FEEDBACK_ACTION_ID)?.value);
  const user = press.user?.id;
  const channel = press.container?.channel_id;
  const ts = press.container?.message_ts;
  const log = logger.child({ channel, ts });
  if (!vote || !user || !channel || !ts) {
    log.debug("Malformed feedback press ignored");
    return;
  }
  if (!asRepliedThread(await intake.store.get(storeKeys.botReply(channel, ts)))) {
    log.debug("Feedback on a message that is not one of the bot's answers; ignored");
    return;
  }
  const { before } = await recordVote(intake.store, metrics, {
    platform: "slack",
    key: storeKeys.feedback(channel, ts, user),
    user,
    vote,
    ttlMs: intake.followTtlMs,
  });
  log.info({ vote, changed: before !== undefined && before !== vote }, "Answer feedback recorded");
}

// Interactivity: acked at once (Slack's 3 s), handled after.
app.action(FEEDBACK_ACTION_ID, async ({ ack, body }) => {
  await ack();
  intake.track(onFeedback(body));
});

  return { titleAssistantThread };
}
