export { createWebAdapter, type WebAdapter, type WebAdapterOptions } from "./web-adapter.js";
export type { QueuedWebMessage } from "./conversation.js";
export { WEB_DISPLAY_RATE, WEB_MAX_MESSAGE_LENGTH } from "./reply-target.js";
export { isLoopbackHost } from "./loopback.js";
