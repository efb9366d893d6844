import type { AppendOnlyStream, MessageControls, MessageRef, NativeStreaming, ReplyTarget } from "../reply/target.js";

/**
 * The same reply target, telling `onPosted` the id of every message it posts (before the streamer goes on), so
 * that the run's record in the store names every message a crash could leave half-written: posts, and the
 * messages its native stream starts (a crash mid-stream leaves one of those). A failure to record never fails the
 * post: the message is out.
 */
export function recordingPosts(target: ReplyTarget, onPosted: (messageId: string) => Promise<void>): ReplyTarget {
  const post = async (text: string, controls?: MessageControls): Promise<MessageRef> => {
    const ref = controls === undefined ? await target.post(text) : await target.post(text, controls);
    await onPosted(ref.id).catch(() => undefined);
    return ref;
  };
  const native = target.nativeStream ? recordingStarts(target.nativeStream, onPosted) : undefined;
  // A proxy rather than a copy: the adapter's target keeps its own state and any member added to the contract later.
  return new Proxy(target, {
    get(inner, property) {
      if (property === "post") return post;
      if (property === "nativeStream") return native;
      const value: unknown = Reflect.get(inner, property, inner);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
    },
  });
}

function recordingStarts(native: NativeStreaming, onPosted: (messageId: string) => Promise<void>): NativeStreaming {
  const start = async (markdown: string): Promise<AppendOnlyStream> => {
    const stream = await native.start(markdown);
    for (const ref of [stream.ref, ...(stream.companions ?? [])]) await onPosted(ref.id).catch(() => undefined);
    return stream;
  };
  return new Proxy(native, {
    get(inner, property) {
      if (property === "start") return start;
      const value: unknown = Reflect.get(inner, property, inner);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
    },
  });
}
