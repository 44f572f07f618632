/** Measurement jobs: queue in PostgreSQL, worker, device registration, what can be measured. */
export * from "./cell-measurer.js";
export * from "./device-registry.js";
export * from "./job-queue.js";
export * from "./measurable-metrics.js";
export * from "./measurement-worker.js";
export * from "./worker-config.js";
