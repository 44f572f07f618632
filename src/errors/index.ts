/** Error classes: the only errors whose messages reach clients in production (see src/server.ts formatError). */
export * from "./bad-user-input.error.js";
export * from "./invariant.js";
