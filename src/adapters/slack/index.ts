export {
  createSlackAdapter,
  type QueuedSlackMessage,
  type SlackAdapter,
  type SlackAdapterOptions,
  type SlackCoordinatorOptions,
  type SlackRequestGate,
  type SlackTurn,
  type TurnAnswerer,
} from "./slack-adapter.js";
export { selectMode, type SlackMode } from "./connection.js";
