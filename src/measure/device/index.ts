export * from "./device-description.js";
export * from "./nvidia-smi.js";
