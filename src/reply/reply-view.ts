/**
 * What a reply should show now, and the next call that brings it there. While the answer streams: its
 * displayable prefix with open Markdown healed, split into messages at the platform's limit (messages already
 * full stay as they were: sealed), with a tool or retry status line; before any words, the placeholder. At the
 * end: the final Markdown, rendered and split. A renderer that chokes on partial text never stops the reply.
 */
import { LEFTOVER_FILLER } from "./notices.js";
import { displayablePrefix, healPartial } from "./markdown/partial-markdown.js";
import { layout, messageText } from "./markdown/split.js";
import type { ReplyTarget } from "./target.js";

export interface Plan {
  texts: string[];
  /** How many characters of the answer's Markdown the reply shows once every text of the plan is out. */
  visibleChars: number;
  final: boolean;
}

export type Action =
  | { kind: "post"; text: string }
  | { kind: "edit"; index: number; text: string }
  | { kind: "delete"; index: number };

/** What the view is drawn from. */
export interface ViewSource {
  /** Bumped on every change: a plan is computed once per version. */
  version: number;
  answer: string;
  /** The tool or retry status line, if any. */
  status: string | undefined;
  /** Set once the answer is over. */
  finalMarkdown: string | undefined;
}

export class ReplyView {
  private sealed: string[] = [];
  private cached: { version: number; plan: Plan } | undefined;

  constructor(
    private readonly target: ReplyTarget,
    private readonly maxLength: number,
    private readonly placeholder: string,
  ) {}

  /** A retried or discarded model call: messages sealed so far may change after all. */
  unseal(): void {
    this.sealed = [];
  }

  plan(source: ViewSource): Plan {
    if (this.cached?.version === source.version) return this.cached.plan;
    const plan = source.finalMarkdown !== undefined ? this.finalPlan(source.finalMarkdown, source.answer) : this.streamingPlan(source);
    this.cached = { version: source.version, plan };
    return plan;
  }

  /** The final Markdown as the platform shows it (the Markdown itself when rendering leaves nothing). */
  renderedFinal(markdown: string): string {
    const rendered = this.render(markdown);
    return rendered.trim() === "" ? markdown : rendered;
  }

  /** The next call that brings the reply's messages (`shown`, in order) closer to `plan`; none when they match. */
  nextAction(plan: Plan, shown: readonly string[]): Action | undefined {
    for (let i = 0; i < plan.texts.length; i++) {
      const text = plan.texts[i]!;
      if (i >= shown.length) return { kind: "post", text };
      if (shown[i] !== text) return { kind: "edit", index: i, text };
    }
    for (let i = plan.texts.length; i < shown.length; i++) {
      if (plan.final && this.target.delete) return { kind: "delete", index: i };
      if (shown[i] !== LEFTOVER_FILLER) return { kind: "edit", index: i, text: LEFTOVER_FILLER };
    }
    return undefined;
  }

  private finalPlan(markdown: string, answer: string): Plan {
    const chunks = layout(this.renderedFinal(markdown), this.maxLength, this.sealed);
    return { texts: chunks.map(messageText), visibleChars: answer.length, final: true };
  }

  private streamingPlan(source: ViewSource): Plan {
    const shown = displayablePrefix(source.answer);
    const status = source.status === undefined ? undefined : this.render(source.status).trim();
    const rendered = shown.trim() === "" ? "" : this.render(healPartial(shown));
    if (rendered.trim() === "") {
      return { texts: [status || this.render(this.placeholder).trim() || this.placeholder], visibleChars: 0, final: false };
    }
    const chunks = layout(rendered, this.maxLength, this.sealed);
    this.sealed = chunks.slice(0, -1).map((c) => c.text);
    const texts = chunks.map(messageText);
    if (status) {
      const last = texts.length - 1;
      const withStatus = `${texts[last]!.trimEnd()}\n\n${status}`;
      if (withStatus.length <= this.maxLength) texts[last] = withStatus;
    }
    return { texts, visibleChars: shown.length, final: false };
  }

  private render(markdown: string): string {
    try {
      const out = this.target.render(markdown);
      return typeof out === "string" ? out : String(out ?? "");
    } catch {
      // A renderer that chokes on partial text must not stop the reply: show the Markdown as it is.
      return markdown;
    }
  }
}
