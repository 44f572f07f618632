export * from "./dtype.js";
export * from "./graph-builder.js";
export * from "./graph-stats.js";
export * from "./layers.js";
export * from "./model-reader.js";
export * from "./prng.js";
export * from "./shape-inference.js";
export * from "./vit-blocks.js";
