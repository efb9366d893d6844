export * from "./server.js";
export { SlidingWindowLimiter } from "./rate-limiter.js";
export { TsClock, Workspace } from "./workspace.js";
