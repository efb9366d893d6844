/**
 * discord.js trusts gateway payloads: a dispatch with a missing or wrong-typed field (a null `d`, attachments that
 * are not a list) throws inside its packet handler, where no code of ours is on the stack, and the rejection would
 * end the process. The guard wraps that handler so such a dispatch costs one log line instead.
 *
 * `WebSocketManager#handlePacket` is internal to discord.js 14 (every dispatch, and the queue of those that
 * arrive before ready, goes through it); should a release rename it, the guard reports that it could not attach.
 */
import type { Client } from "discord.js";

type PacketHandler = (packet: unknown, shard: unknown) => boolean;

/** Returns false when this discord.js has no packet handler to wrap. */
export function guardDispatches(client: Client, onMalformed: (type: string | undefined, error: unknown) => void): boolean {
  const ws = client.ws as unknown as { handlePacket?: PacketHandler };
  const original = ws.handlePacket;
  if (typeof original !== "function") return false;
  ws.handlePacket = (packet, shard) => {
    try {
      return original.call(ws, packet, shard);
    } catch (error) {
      const type = (packet as { t?: unknown } | null)?.t;
      onMalformed(typeof type === "string" ? type : undefined, error);
      return false;
    }
  };
  return true;
}
