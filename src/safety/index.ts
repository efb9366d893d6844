/** The platform-neutral safety core: tool policy, access allow-lists, per-user rate, input limits. */
export * from "./tool-policy.js";
export * from "./access.js";
export * from "./user-rate-limit.js";
export * from "./input-limits.js";
export * from "./request-gate.js";
export { detectImageType, type ImageMimeType } from "../core/image-type.js";
