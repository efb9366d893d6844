/**
 * The payloads Slack sends when a person uses the app's interactive surfaces: a button in a message
 * (`block_actions`, feedback buttons included), a message shortcut (`message_action`) and a slash command. Each
 * must be acknowledged within 3 seconds. Socket Mode carries them in `interactive` / `slash_commands` envelopes;
 * HTTP mode POSTs them signed, form-encoded (`payload=<json>` for interactions, the command's fields as they are).
 */
import type { FakeMessage, Workspace } from "./workspace.js";

/** Slack's acknowledgement deadline for every envelope and interactive request. */
export const ACK_DEADLINE_MS = 3_000;

export type InteractionKind = "interactive" | "slash_commands";

export interface InteractionDelivery {
  id: string;
  kind: InteractionKind;
  /** block_actions, message_action, or the slash command itself ("/copilot"). */
  what: string;
  via: "socket" | "http";
  sentAt: number;
  ackedAt?: number;
  /** What the ack carried (Socket Mode `payload`, or the HTTP response body), if anything. */
  ackBody?: unknown;
  status?: number;
}

/** Whether the delivery was acknowledged within Slack's 3 seconds. */
export function ackedInTime(delivery: InteractionDelivery): boolean {
  return delivery.ackedAt !== undefined && delivery.ackedAt - delivery.sentAt <= ACK_DEADLINE_MS;
}

/** Finds a button's element in the message's blocks: a person can only press what the message shows. */
export function findAction(
  message: FakeMessage,
  actionId: string,
): { block: Record<string, unknown>; element: Record<string, unknown> } | undefined {
  for (const block of message.blocks ?? []) {
    const elements = (block.elements as Array<Record<string, unknown>> | undefined) ?? [];
    const accessory = block.accessory as Record<string, unknown> | undefined;
    for (const element of accessory ? [...elements, accessory] : elements) {
      if (element?.action_id === actionId) return { block, element };
    }
  }
  return undefined;
}

export interface PayloadContext {
  workspace: Workspace;
  appId: string;
  responseUrl(): string;
  triggerId(): string;
  now(): number;
}

function userOf(ctx: PayloadContext, userId: string): Record<string, unknown> {
  const user = ctx.workspace.users.get(userId);
  return { id: userId, username: user?.name ?? userId, name: user?.name ?? userId, team_id: ctx.workspace.teamId };
}

function channelOf(ctx: PayloadContext, channelId: string): Record<string, unknown> {
  return { id: channelId, name: ctx.workspace.channels.get(channelId)?.name ?? channelId };
}

function actionTs(ctx: PayloadContext): string {
  return (ctx.now() / 1000).toFixed(6);
}

/**
 * A `block_actions` payload for pressing `actionId` in `message`. For a `feedback_buttons` element, `choice`
 * picks the positive or negative button; its value is what the element declared.
 */
export function blockActionPayload(
  ctx: PayloadContext,
  input: { message: FakeMessage; userId: string; actionId: string; choice?: "positive" | "negative" },
): Record<string, unknown> {
  const found = findAction(input.message, input.actionId);
  if (!found) throw new Error(`fake Slack: message ${input.message.ts} shows no element ${input.actionId}`);
  const { block, element } = found;
  let value = element.value as string | undefined;
  if (element.type === "feedback_buttons") {
    const button = element[input.choice === "negative" ? "negative_button" : "positive_button"] as
      | { value?: string }
      | undefined;
    value = button?.value;
  }
  const message = ctx.workspace.toApi(input.message);
  return {
    type: "block_actions",
    user: userOf(ctx, input.userId),
    api_app_id: ctx.appId,
    token: "verification-token-unused",
    container: {
      type: "message",
      message_ts: input.message.ts,
      channel_id: input.message.channel,
      is_ephemeral: false,
      ...(input.message.threadTs ? { thread_ts: input.message.threadTs } : {}),
    },
    trigger_id: ctx.triggerId(),
    team: { id: ctx.workspace.teamId, domain: ctx.workspace.teamName },
    enterprise: null,
    is_enterprise_install: false,
    channel: channelOf(ctx, input.message.channel),
    message,
    state: { values: {} },
    response_url: ctx.responseUrl(),
    actions: [
      {
        type: element.type,
        action_id: input.actionId,
        block_id: block.block_id ?? "",
        ...(value !== undefined ? { value } : {}),
        action_ts: actionTs(ctx),
      },
    ],
  };
}

/** A `message_action` payload: the message shortcut `callbackId` used on `message`. */
export function messageShortcutPayload(
  ctx: PayloadContext,
  input: { message: FakeMessage; userId: string; callbackId: string },
): Record<string, unknown> {
  return {
    type: "message_action",
    token: "verification-token-unused",
    action_ts: actionTs(ctx),
    team: { id: ctx.workspace.teamId, domain: ctx.workspace.teamName },
    user: userOf(ctx, input.userId),
    channel: channelOf(ctx, input.message.channel),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: ctx.triggerId(),
    response_url: ctx.responseUrl(),
    message_ts: input.message.ts,
    message: ctx.workspace.toApi(input.message),
  };
}

/** A slash command's fields (Slack sends them flat, as strings). */
export function slashCommandPayload(
  ctx: PayloadContext,
  input: { command: string; text: string; userId: string; channelId: string },
): Record<string, string> {
  return {
    token: "verification-token-unused",
    team_id: ctx.workspace.teamId,
    team_domain: ctx.workspace.teamName,
    channel_id: input.channelId,
    channel_name: ctx.workspace.channels.get(input.channelId)?.name ?? input.channelId,
    user_id: input.userId,
    user_name: ctx.workspace.users.get(input.userId)?.name ?? input.userId,
    command: input.command,
    text: input.text,
    api_app_id: ctx.appId,
    is_enterprise_install: "false",
    response_url: ctx.responseUrl(),
    trigger_id: ctx.triggerId(),
  };
}

/** The HTTP-mode body Slack POSTs: interactions as `payload=<json>`, a slash command as its own fields. */
export function httpFormBody(kind: InteractionKind, payload: Record<string, unknown>): string {
  if (kind === "interactive") return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return new URLSearchParams(payload as Record<string, string>).toString();
}
