export * from "./registry.js";
export * from "./zoo-model.js";
