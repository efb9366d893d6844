export { createSlackAdapter, type SlackAdapter, type SlackAdapterOptions, type SlackTurn, type TurnAnswerer } from "./slack-adapter.js";
export { selectMode, type SlackMode } from "./connection.js";
