export {
  createSlackAdapter,
  type QueuedSlackMessage,
  type SlackAdapter,
  type SlackAdapterOptions,
  type SlackCoordinatorOptions,
} from "./slack-adapter.js";
export { selectMode, type SlackMode } from "./connection.js";
