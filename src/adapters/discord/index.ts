export { createDiscordAdapter, type DiscordAdapter, type DiscordAdapterOptions, type TurnAnswerer } from "./discord-adapter.js";
export { DISCORD_INTENTS } from "./connection.js";
