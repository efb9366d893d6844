export {
  createDiscordAdapter,
  type DiscordAdapter,
  type DiscordAdapterOptions,
  type DiscordCoordinatorOptions,
} from "./discord-adapter.js";
export type { QueuedDiscordMessage } from "./conversation.js";
export { DISCORD_INTENTS } from "./connection.js";
