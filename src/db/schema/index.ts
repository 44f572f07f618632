/** Barrel of the drizzle schema: every table, enum and relation (drizzle-kit reads this file). */
export * from "./cells.js";
export * from "./columns.js";
export * from "./data-version.js";
export * from "./devices.js";
export * from "./jobs.js";
export * from "./metrics.js";
export * from "./models.js";
export * from "./runs.js";
