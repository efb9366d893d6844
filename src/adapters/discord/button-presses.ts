/**
 * Presses on an answer's buttons (answer-buttons.ts). Each is answered within Discord's 3 s: with a sentence only
 * the presser sees (callback 4, ephemeral), with the message's new buttons (7), or a bare acknowledgement (6);
 * if the store is slow, acknowledged first and the sentence or the buttons follow.
 *
 * - Stop: only the person who asked, or a member with Manage Messages in that channel (Discord computes the
 *   member's permissions in the channel, overwrites included, and sends them with the press), may stop the
 *   answer; it then goes the core's one stop path (`intake.stop`: the access lists, exactly once, on whichever
 *   replica runs the answer).
 * - 👍 / 👎: one vote per person per answer, a second press replaces it (src/core/answer-feedback.ts); the row
 *   then highlights the choice and shows the counts.
 */
import { MessageFlags, PermissionFlagsBits, type ButtonInteraction } from "discord.js";
import type { Logger } from "pino";
import type { AdapterRequestGate } from "../../core/adapter-options.js";
import { asStoredVote, recordVote, type Vote } from "../../core/answer-feedback.js";
import { describeError } from "../../core/describe-error.js";
import type { Intake } from "../../core/intake.js";
import type { Metrics } from "../../ops/metrics.js";
import type { AccessRequest } from "../../safety/access.js";
import { feedbackRow, parseButton, type ButtonRow } from "./answer-buttons.js";
import { readAnswer } from "./answer-record.js";
import type { QueuedDiscordMessage } from "./conversation.js";
import { EphemeralReplyTarget, REFUSED_SILENTLY_SENTENCE } from "./ephemeral-reply-target.js";
import { storeKeys } from "./store-keys.js";

export const NOT_THE_ASKER_SENTENCE = "Only the person who asked, or someone who can manage messages in this channel, can stop this answer.";
export const ANSWER_UNKNOWN_SENTENCE = "I no longer know this answer, so its buttons do nothing now.";
const PRESS_FAILED_SENTENCE = "Sorry, that did not work; please try again in a minute.";

/** Discord allows 3 s for the callback; what is not decided by then is acknowledged and followed up. */
const ANSWER_WITHIN_MS = 2_000;
/** Votes read back for the counts the row shows. */
const MAX_COUNTED_VOTERS = 500;

export interface ButtonPressDeps {
  intake: Intake<QueuedDiscordMessage>;
  gate?: AdapterRequestGate;
  metrics?: Pick<Metrics, "feedback">;
  placeForGate: (userId: string, channelId: string, channel: ButtonInteraction["channel"], guildId: string | null) => AccessRequest;
  logger: Logger;
}

/** How a press is answered: a sentence only the presser sees, the message's new buttons, or an acknowledgement. */
type PressReply = { kind: "private"; text: string } | { kind: "buttons"; rows: ButtonRow[] } | { kind: "ack" };

export function createButtonPresses(deps: ButtonPressDeps): (interaction: ButtonInteraction) => Promise<void> {
  const { intake } = deps;

  function accessOf(interaction: ButtonInteraction): AccessRequest {
    const member = interaction.inCachedGuild() ? interaction.member : null;
    return {
      ...deps.placeForGate(interaction.user.id, interaction.channelId, interaction.channel, interaction.guildId),
      ...(member ? { roleIds: [...member.roles.cache.keys()] } : {}),
    };
  }

  async function stop(interaction: ButtonInteraction, answerId: string, log: Logger): Promise<void> {
    let threadKey: string | undefined;
    await answerInTime(interaction, async () => {
      const record = await readAnswer(intake.store, answerId);
      if (!record) return { kind: "private", text: ANSWER_UNKNOWN_SENTENCE };
      const asker = record.askerIds.includes(interaction.user.id);
      if (!asker && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)) {
        log.info("Stop pressed by someone who neither asked nor may manage messages; refused");
        return { kind: "private", text: NOT_THE_ASKER_SENTENCE };
      }
      threadKey = record.threadKey;
      return { kind: "ack" };
    }, log);
    if (threadKey === undefined) return;
    await intake.stop({
      threadKey,
      // One press stops once, however often the gateway delivers it.
      claim: { key: storeKeys.handled(interaction.id) },
      access: accessOf(interaction),
      openReplyTarget: () => new EphemeralReplyTarget(interaction),
      log,
    });
  }

  async function vote(interaction: ButtonInteraction, answerId: string, choice: Vote, log: Logger): Promise<void> {
    await answerInTime(interaction, async () => {
      const decision = deps.gate?.check(accessOf(interaction), { countsTowardLimit: false });
      if (decision && !decision.allowed) {
        log.info({ because: decision.because }, "Discord feedback refused by the safety gate");
        return { kind: "private", text: decision.reply ?? REFUSED_SILENTLY_SENTENCE };
      }
      if (!(await readAnswer(intake.store, answerId))) return { kind: "private", text: ANSWER_UNKNOWN_SENTENCE };
      const user = interaction.user.id;
      const { before } = await recordVote(intake.store, deps.metrics, {
        platform: "discord",
        key: storeKeys.feedback(answerId, user),
        user,
        vote: choice,
        ttlMs: intake.followTtlMs,
      });
      log.info({ vote: choice, changed: before !== undefined && before !== choice }, "Answer feedback recorded");
      const counts = await countVotes(answerId, user);
      return { kind: "buttons", rows: [feedbackRow(answerId, { chosen: choice, counts })] };
    }, log);
  }

  /** Who voted on the answer (this voter added) and how: for the counts its row shows. */
  async function countVotes(answerId: string, voter: string): Promise<Record<Vote, number>> {
    const key = storeKeys.voters(answerId);
    const known = await intake.store.get<unknown>(key);
    const voters = Array.isArray(known) ? known.filter((id): id is string => typeof id === "string") : [];
    if (!voters.includes(voter)) {
      voters.push(voter);
      await intake.store.set(key, voters, intake.followTtlMs);
    }
    const votes = await Promise.all(
      voters.slice(-MAX_COUNTED_VOTERS).map(async (id) => asStoredVote(await intake.store.get(storeKeys.feedback(answerId, id)))?.vote),
    );
    return { good: votes.filter((v) => v === "good").length, bad: votes.filter((v) => v === "bad").length };
  }

  /** Handles one press; never throws (a failure is logged and, when possible, said to the presser). */
  return async function onButton(interaction: ButtonInteraction): Promise<void> {
    const press = parseButton(interaction.customId);
    if (!press) return;
    const log = deps.logger.child({ interaction: interaction.id, button: press.kind, answer: press.answerId, channel: interaction.channelId });
    try {
      if (press.kind === "stop") await stop(interaction, press.answerId, log);
      else await vote(interaction, press.answerId, press.vote, log);
    } catch (error) {
      log.warn({ err: describeError(error) }, "A press on an answer's button failed");
    }
  };
}

/**
 * Answers the press with `decide`'s reply if it is ready within the deadline; otherwise acknowledges it (6) at
 * the deadline and sends the reply after (an ephemeral follow-up, or an edit of the message's buttons).
 */
async function answerInTime(interaction: ButtonInteraction, decide: () => Promise<PressReply>, log: Logger): Promise<void> {
  const decided = decide().catch((error: unknown): PressReply => {
    log.warn({ err: describeError(error) }, "Could not handle a press on an answer's button");
    return { kind: "private", text: PRESS_FAILED_SENTENCE };
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ANSWER_WITHIN_MS);
  });
  const first = await Promise.race([decided, late]);
  clearTimeout(timer);
  if (first !== "late") {
    if (first.kind === "private") await interaction.reply({ content: first.text, flags: MessageFlags.Ephemeral });
    else if (first.kind === "buttons") await interaction.update({ components: first.rows });
    else await interaction.deferUpdate();
    return;
  }
  await interaction.deferUpdate();
  const reply = await decided;
  if (reply.kind === "private") await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral });
  else if (reply.kind === "buttons") await interaction.editReply({ components: reply.rows });
}
