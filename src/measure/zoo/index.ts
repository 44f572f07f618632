export * from "./registry.js";
export * from "./zoo-model.js";
export * from "./dataset-comparison.js";
export * from "./catalogue.js";
