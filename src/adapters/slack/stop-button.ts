/**
 * A press of an answer's Stop button (answer-controls.ts), turned into the core's StopRequest like a "stop" reply
 * or a ✋ reaction (stop-request.ts). Who may stop: the person the answer is for, or a workspace admin or owner
 * (users.info `is_admin` / `is_owner`). Not "a channel manager": Slack's Web API tells an app nothing about who
 * manages a channel (conversations.info and conversations.members carry no such role), so that rule could not be
 * checked. Anyone else is told so privately (chat.postEphemeral), and the answer goes on.
 */
import type { App, webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { describeError } from "../../core/describe-error.js";
import type { Intake } from "../../core/intake.js";
import type { ReplyTarget } from "../../reply/target.js";
import { STOP_ACTION_ID, parseStopPress } from "./answer-controls.js";
import type { QueuedSlackMessage } from "./conversation.js";
import { asRepliedThread, storeKeys } from "./store-keys.js";

export const NOT_YOURS_TO_STOP = "Only the person who asked, or a workspace admin, can stop this answer.";

export interface StopButtonDeps {
  app: App;
  /** Reads (users.info, Tier 4): the app's client, which waits out a 429 itself. */
  readClient: Pick<webApi.WebClient, "users">;
  writeClient: Pick<webApi.WebClient, "chat">;
  intake: Intake<QueuedSlackMessage>;
  logger: Logger;
  replyTarget: (team: string, channel: string, threadTs: string) => ReplyTarget;
}

export function registerStopButton(deps: StopButtonDeps): void {
  const { app, readClient, writeClient, intake, logger, replyTarget } = deps;

  /** Whether `user` is a workspace admin or owner; a lookup that fails says no (the asker can still stop). */
  async function isWorkspaceAdmin(user: string, log: Logger): Promise<boolean> {
    try {
      const { user: info } = await readClient.users.info({ user });
      return Boolean(info?.is_admin || info?.is_owner);
    } catch (error) {
      log.warn({ err: describeError(error) }, "Could not look up whether a Stop presser is a workspace admin");
      return false;
    }
  }

  async function onStopPress(body: unknown): Promise<void> {
    const press = parseStopPress(body);
    if (!press) {
      logger.debug("Malformed Stop press ignored");
      return;
    }
    const { user, channel, ts, asker } = press;
    const log = logger.child({ channel, ts, user, action: STOP_ACTION_ID });
    const replied = asRepliedThread(await intake.store.get(storeKeys.botReply(channel, ts)));
    if (!replied) {
      log.debug("Stop press on a message that is not one of the bot's answers; ignored");
      return;
    }
    if (user !== asker && !(await isWorkspaceAdmin(user, log))) {
      log.info("Stop press by someone other than the asker or an admin; refused");
      await writeClient.chat
        .postEphemeral({ channel, user, thread_ts: replied.threadTs, text: NOT_YOURS_TO_STOP })
        .catch((error: unknown) => log.warn({ err: describeError(error) }, "Could not tell a Stop presser why not"));
      return;
    }
    await intake.stop({
      threadKey: replied.threadKey,
      access: { platform: "slack", userId: user, channelId: channel },
      openReplyTarget: () => replyTarget(replied.team, replied.channel, replied.threadTs),
      log,
    });
  }

  // Acked at once (Slack's 3 s); the stop goes on tracked, like every other event.
  app.action(STOP_ACTION_ID, async ({ ack, body }) => {
    await ack();
    intake.track(onStopPress(body));
  });
}
