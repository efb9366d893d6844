/**
 * What Slack checks in the `blocks` of a message (chat.postMessage, chat.update, chat.postEphemeral,
 * chat.stopStream), as Block Kit's reference documents it, answering `invalid_blocks` otherwise: at most 50
 * blocks of a known type, unique block_ids and action_ids of at most 255 characters, a section's text of at most
 * 3,000 characters, 1 to 25 elements in an actions block, a button's plain_text label of at most 75 characters
 * and a value of at most 2,000, feedback buttons and icon buttons only in a context_actions block.
 */

type Json = Record<string, unknown>;

export const MAX_BLOCKS = 50;
const MAX_ID = 255;
const MAX_SECTION_TEXT = 3_000;
const MAX_MARKDOWN_BLOCK = 12_000;
const MAX_BUTTON_TEXT = 75;
const MAX_VALUE = 2_000;
const MAX_ACTIONS_ELEMENTS = 25;
const MAX_CONTEXT_ACTIONS_ELEMENTS = 5;

const BLOCK_TYPES = new Set([
  "actions",
  "context",
  "context_actions",
  "divider",
  "file",
  "header",
  "image",
  "input",
  "markdown",
  "rich_text",
  "section",
  "video",
]);

const ACTIONS_ELEMENTS = new Set([
  "button",
  "channels_select",
  "checkboxes",
  "conversations_select",
  "datepicker",
  "datetimepicker",
  "external_select",
  "multi_static_select",
  "overflow",
  "radio_buttons",
  "static_select",
  "timepicker",
  "users_select",
  "workflow_button",
]);

const CONTEXT_ACTIONS_ELEMENTS = new Set(["feedback_buttons", "icon_button"]);

/** Why Slack would refuse these blocks (for a test's message), or undefined when it would take them. */
export function blocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return "blocks is not a list";
  if (blocks.length > MAX_BLOCKS) return `more than ${MAX_BLOCKS} blocks`;
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  for (const [i, block] of (blocks as unknown[]).entries()) {
    const problem = blockProblem(block, blockIds, actionIds);
    if (problem) return `block ${i}: ${problem}`;
  }
  return undefined;
}

function blockProblem(block: unknown, blockIds: Set<string>, actionIds: Set<string>): string | undefined {
  if (!isObject(block)) return "not an object";
  const type = block.type;
  if (typeof type !== "string" || !BLOCK_TYPES.has(type)) return `unknown block type ${String(type)}`;
  if (block.block_id !== undefined) {
    if (!isId(block.block_id)) return "block_id missing or longer than 255 characters";
    if (blockIds.has(block.block_id)) return `block_id ${block.block_id} used twice`;
    blockIds.add(block.block_id);
  }
  switch (type) {
    case "section": {
      if (block.text === undefined && block.fields === undefined) return "a section needs text or fields";
      if (block.text !== undefined) return textProblem(block.text, ["plain_text", "mrkdwn"], MAX_SECTION_TEXT);
      return undefined;
    }
    case "markdown":
      return typeof block.text === "string" && block.text.length > 0 && block.text.length <= MAX_MARKDOWN_BLOCK
        ? undefined
        : "markdown text missing or longer than 12,000 characters";
    case "actions":
      return elementsProblem(block.elements, ACTIONS_ELEMENTS, MAX_ACTIONS_ELEMENTS, actionIds);
    case "context_actions":
      return elementsProblem(block.elements, CONTEXT_ACTIONS_ELEMENTS, MAX_CONTEXT_ACTIONS_ELEMENTS, actionIds);
    default:
      return undefined;
  }
}

function elementsProblem(elements: unknown, allowed: Set<string>, max: number, actionIds: Set<string>): string | undefined {
  if (!Array.isArray(elements) || elements.length === 0 || elements.length > max) {
    return `elements must be a list of 1 to ${max}`;
  }
  for (const element of elements as unknown[]) {
    if (!isObject(element) || typeof element.type !== "string" || !allowed.has(element.type)) {
      return `element type ${isObject(element) ? String(element.type) : "?"} not allowed here`;
    }
    if (element.action_id !== undefined) {
      if (!isId(element.action_id)) return "action_id missing or longer than 255 characters";
      if (actionIds.has(element.action_id)) return `action_id ${element.action_id} used twice`;
      actionIds.add(element.action_id);
    }
    const problem = element.type === "feedback_buttons" ? feedbackProblem(element) : element.type === "button" ? buttonProblem(element) : undefined;
    if (problem) return problem;
  }
  return undefined;
}

function buttonProblem(button: Json): string | undefined {
  const text = textProblem(button.text, ["plain_text"], MAX_BUTTON_TEXT);
  if (text) return `button text: ${text}`;
  if (button.value !== undefined && !(typeof button.value === "string" && button.value.length <= MAX_VALUE)) {
    return "button value longer than 2,000 characters";
  }
  if (button.style !== undefined && button.style !== "primary" && button.style !== "danger") return "button style unknown";
  if (button.accessibility_label !== undefined && !(typeof button.accessibility_label === "string" && button.accessibility_label.length <= MAX_BUTTON_TEXT)) {
    return "accessibility_label longer than 75 characters";
  }
  return undefined;
}

function feedbackProblem(element: Json): string | undefined {
  for (const side of ["positive_button", "negative_button"] as const) {
    const button = element[side];
    if (!isObject(button)) return `${side} missing`;
    const text = textProblem(button.text, ["plain_text"], MAX_BUTTON_TEXT);
    if (text) return `${side} text: ${text}`;
    if (typeof button.value !== "string" || button.value.length === 0 || button.value.length > MAX_VALUE) {
      return `${side} value missing or longer than 2,000 characters`;
    }
  }
  return undefined;
}

function textProblem(text: unknown, types: string[], max: number): string | undefined {
  if (!isObject(text) || typeof text.type !== "string" || !types.includes(text.type)) return `a ${types.join(" or ")} text object is needed`;
  if (typeof text.text !== "string" || text.text.length === 0) return "empty text";
  if (text.text.length > max) return `text longer than ${max} characters`;
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID;
}
