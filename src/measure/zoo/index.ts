export * from "./catalogue.js";
export * from "./dataset-comparison.js";
export * from "./references.js";
export * from "./registry.js";
export * from "./zoo-model.js";
