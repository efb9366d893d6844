/**
 * The answer's Markdown as it builds up. A turn that calls tools has several model calls; each has its own
 * messageId. Its deltas stream in, then its `message` event gives the authoritative text, which replaces them.
 * The answer is the non-empty texts in the order they began, separated by a blank line.
 */
export class AnswerText {
  private readonly order: string[] = [];
  private readonly texts = new Map<string, string>();
  private last = "";

  addDelta(messageId: string, text: string): void {
    this.touch(messageId);
    this.texts.set(messageId, (this.texts.get(messageId) ?? "") + text);
  }

  setMessage(messageId: string, content: string): void {
    this.touch(messageId);
    this.texts.set(messageId, content);
    if (content.trim()) this.last = content;
  }

  /** The last complete, non-empty message (a model call's authoritative text). */
  get lastMessage(): string {
    return this.last;
  }

  /** Forgets one model call's text (the runtime abandoned that call and streams it again under a new id). */
  discard(messageId: string): void {
    const index = this.order.indexOf(messageId);
    if (index >= 0) this.order.splice(index, 1);
    this.texts.delete(messageId);
  }

  /** Forgets everything (the runtime abandoned the attempt and will stream it again). */
  reset(): void {
    this.order.length = 0;
    this.texts.clear();
    this.last = "";
  }

  get text(): string {
    const parts: string[] = [];
    for (const id of this.order) {
      const text = this.texts.get(id) ?? "";
      if (text.trim() !== "") parts.push(text);
    }
    // The last part keeps its trailing whitespace: it tells whether its last word is complete.
    return parts.map((p, i) => (i < parts.length - 1 ? p.trimEnd() : p)).join("\n\n");
  }

  private touch(messageId: string): void {
    if (!this.texts.has(messageId)) {
      this.order.push(messageId);
      this.texts.set(messageId, "");
    }
  }
}
