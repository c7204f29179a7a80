export * from "./access-tokens";
export * from "./common";
export * from "./files";
export * from "./messages";
export * from "./outgoing-webhooks";
export * from "./registration";
export * from "./rooms";
export * from "./search";
export * from "./users";
export * from "./webhooks";

/**
 * The most calls one batched tRPC HTTP request may carry (a bigger batch is refused with 400):
 * without a cap, one request could make a process run thousands of procedures. Clients batch at
 * most this many (`httpBatchLink({ maxItems: MAX_BATCH_SIZE })`).
 */
export const MAX_BATCH_SIZE = 20;
