import { FakeDiscordError, type MessageEdit } from "./model.js";

/**
 * The checks Discord makes on a message body (create, edit, interaction reply, follow-up), with its documented
 * limits: content 2,000 characters (a message may carry files instead: multipart.ts); up to 10 embeds, a description of 4,096, 6,000 characters in all embeds;
 * up to 5 action rows of up to 5 buttons (custom_id 100, label 80, a known style, a label or an emoji); with the IS_COMPONENTS_V2 flag no content or
 * embeds, and at most 4,000 characters of text displays in the whole message.
 * Sources: discord.com/developers/docs/resources/message (Create Message, Embed Limits) and
 * .../components/reference (Button, Text Display, "Components V2").
 */
export const IS_COMPONENTS_V2 = 1 << 15;
export const ComponentType = { ActionRow: 1, Button: 2, Section: 9, TextDisplay: 10, Container: 17 } as const;
const EMBED_DESCRIPTION_MAX = 4096;
const EMBEDS_TOTAL_MAX = 6000;
const TEXT_DISPLAY_TOTAL_MAX = 4000;

type Json = Record<string, unknown>;

function invalid(field: string, message: string): FakeDiscordError {
  return new FakeDiscordError(400, 50035, "Invalid Form Body", {
    [field]: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message }] },
  });
}

/** Checks a create (`partial` false) or edit (`partial` true) body; returns the fields it sets. */
export function readMessageBody(
  body: Json,
  options: { maxContentLength: number; partial: boolean; currentFlags?: number; attachments?: number },
): MessageEdit {
  const edit: MessageEdit = {};
  if (typeof body.content === "string") edit.content = body.content;
  if (Array.isArray(body.embeds)) edit.embeds = body.embeds;
  if (Array.isArray(body.components)) edit.components = body.components;
  if (typeof body.flags === "number") edit.flags = body.flags;
  const flags = edit.flags ?? options.currentFlags ?? 0;

  if ((edit.content?.length ?? 0) > options.maxContentLength)
    throw invalid("content", `Must be ${options.maxContentLength} or fewer in length.`);
  checkEmbeds(edit.embeds ?? []);
  if (flags & IS_COMPONENTS_V2) {
    if (edit.content || edit.embeds?.length)
      throw invalid("content", "Cannot send content or embeds with the IS_COMPONENTS_V2 flag.");
    const text = textDisplayLength(edit.components ?? []);
    if (text > TEXT_DISPLAY_TOTAL_MAX)
      throw invalid("components", `Text displays must be ${TEXT_DISPLAY_TOTAL_MAX} or fewer in length in all.`);
  } else {
    checkActionRows(edit.components ?? []);
  }
  if (!options.partial && !edit.content?.trim() && !edit.embeds?.length && !edit.components?.length && !options.attachments) {
    throw new FakeDiscordError(400, 50006, "Cannot send an empty message");
  }
  return edit;
}

function checkEmbeds(embeds: unknown[]): void {
  if (embeds.length > 10) throw invalid("embeds", "Must be 10 or fewer in length.");
  let total = 0;
  for (const embed of embeds as Json[]) {
    const description = typeof embed.description === "string" ? embed.description : "";
    const title = typeof embed.title === "string" ? embed.title : "";
    if (description.length > EMBED_DESCRIPTION_MAX)
      throw invalid("embeds.description", `Must be ${EMBED_DESCRIPTION_MAX} or fewer in length.`);
    if (title.length > 256) throw invalid("embeds.title", "Must be 256 or fewer in length.");
    total += description.length + title.length;
  }
  if (total > EMBEDS_TOTAL_MAX) throw invalid("embeds", `Embed size exceeds maximum size of ${EMBEDS_TOTAL_MAX}`);
}

function checkActionRows(rows: unknown[]): void {
  if (rows.length > 5) throw invalid("components", "Must be 5 or fewer in length.");
  for (const row of rows as Json[]) {
    if (row.type !== ComponentType.ActionRow)
      throw invalid("components", "Top-level components must be action rows without IS_COMPONENTS_V2.");
    const children = Array.isArray(row.components) ? (row.components as Json[]) : [];
    if (children.length < 1 || children.length > 5)
      throw invalid("components.components", "Must be between 1 and 5 in length.");
    for (const child of children) {
      if (child.type !== ComponentType.Button) continue;
      // Primary 1, Secondary 2, Success 3, Danger 4, Link 5 (a url, no custom_id), Premium 6 (a sku_id).
      if (!Number.isInteger(child.style) || (child.style as number) < 1 || (child.style as number) > 6)
        throw invalid("components.style", "Value must be one of (1, 2, 3, 4, 5, 6).");
      if (child.style === 5 && typeof child.url !== "string")
        throw invalid("components.url", "A link button needs a url.");
      if (child.style !== 5 && child.style !== 6 && child.label === undefined && child.emoji === undefined)
        throw invalid("components.label", "A button needs a label or an emoji.");
      const isLink = child.style === 5;
      const customId = typeof child.custom_id === "string" ? child.custom_id : "";
      if (!isLink && (customId.length < 1 || customId.length > 100))
        throw invalid("components.custom_id", "Must be between 1 and 100 in length.");
      if (typeof child.label === "string" && child.label.length > 80)
        throw invalid("components.label", "Must be 80 or fewer in length.");
    }
    const ids = children.map((c) => c.custom_id).filter((id) => typeof id === "string");
    if (new Set(ids).size !== ids.length)
      throw invalid("components.custom_id", "Component custom id cannot be duplicated");
  }
}

function textDisplayLength(components: unknown[]): number {
  let total = 0;
  for (const component of components as Json[]) {
    if (component.type === ComponentType.TextDisplay && typeof component.content === "string")
      total += component.content.length;
    if (Array.isArray(component.components)) total += textDisplayLength(component.components);
  }
  return total;
}

/** Every button in a message's components (classic action rows or V2 containers), for clicks in tests. */
export function buttonsOf(components: unknown[]): Array<{ customId: string; label: string; disabled: boolean }> {
  const found: Array<{ customId: string; label: string; disabled: boolean }> = [];
  for (const component of components as Json[]) {
    if (component.type === ComponentType.Button && typeof component.custom_id === "string") {
      found.push({
        customId: component.custom_id,
        label: String(component.label ?? (component.emoji as { name?: string } | undefined)?.name ?? ""),
        disabled: component.disabled === true,
      });
    }
    if (Array.isArray(component.components)) found.push(...buttonsOf(component.components));
    if (component.accessory) found.push(...buttonsOf([component.accessory]));
  }
  return found;
}
