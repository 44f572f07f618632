/**
 * Builds data/wtf-benchmark.json, the project's own seed file, from the benchmark dashboard's data.json.
 *
 *   npm run seed:build -- ../shared/wtf-benchmark/data.json
 *
 * Figures are copied exactly (no rounding, no unit changes). Cluster paths and null seeds are dropped.
 * `experiment_id` exceeds 2^53, so it is kept as a string taken from the source text, not a parsed number.
 * The service reads only the output file, never the source.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

import { SEED_METRIC_SOURCES, type SeedFile, type SeedRun } from "../src/db/seed-file.js";

const DROPPED_KEYS = new Set([
  "dataset_root",
  "results_folder",
  "logging_folder",
  "experiment_name",
  "seed",
  "tqdm",
  "gather_stats_during_training",
  "epoch_data",
  "task",
  "model",
  "experiment_id",
  "run_name",
  "run_date",
  "device",
]);
const METRIC_SOURCE_KEYS = new Set<string>([...Object.values(SEED_METRIC_SOURCES), "throughput_batch_size"]);

const sourcePath = resolve(process.argv[2] ?? "../shared/wtf-benchmark/data.json");
const outPath = resolve(process.argv[3] ?? "data/wtf-benchmark.json");

// Quote the 64-bit ids before parsing so no digit is lost.
const text = readFileSync(sourcePath, "utf8").replace(/"experiment_id":\s*(-?\d+)/g, '"experiment_id": "$1"');
const records = JSON.parse(text) as Record<string, unknown>[];

function hyperparameters(record: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const isPretrain = key.startsWith("pre-train_");
    if (prefix === "pre-train_" ? !isPretrain : isPretrain) continue;
    const name = key.slice(prefix.length);
    if (DROPPED_KEYS.has(name) || name.startsWith("final_") || name.startsWith("top_")) continue;
    if (prefix === "" && METRIC_SOURCE_KEYS.has(name)) continue;
    out[name] = value;
  }
  return out;
}

const runs: SeedRun[] = records.map((record) => {
  const metrics: SeedRun["metrics"] = {};
  for (const [metricKey, sourceKey] of Object.entries(SEED_METRIC_SOURCES)) {
    const value = record[sourceKey];
    // The dashboard writes -1 for a throughput it could not measure: that is a missing figure, not a value.
    if (typeof value !== "number" || (metricKey === "throughput" && value < 0)) continue;
    metrics[metricKey as keyof SeedRun["metrics"]] = value;
  }
  const throughputBatch = record.throughput_batch_size;
  const epochData = record.epoch_data as Record<string, Record<string, number>>;
  const epochs = Object.keys(epochData)
    .map(Number)
    .sort((a, b) => a - b)
    .map((epoch) => ({ epoch, ...epochData[String(epoch)] }));
  return {
    sourceModelId: String(record.model),
    experimentId: String(record.experiment_id),
    runName: String(record.run_name),
    runDate: String(record.run_date),
    gpu: String(record.device),
    gpuCount: Number(record.world_size),
    pretrainResolution: Number(record["pre-train_imsize"]),
    resolution: Number(record.imsize),
    pretrainDataset: String(record["pre-train_dataset"]),
    dataset: String(record.dataset),
    throughputBatchSize: typeof throughputBatch === "number" && throughputBatch > 0 ? throughputBatch : null,
    metrics,
    hyperparameters: hyperparameters(record, ""),
    pretrainHyperparameters: hyperparameters(record, "pre-train_"),
    epochs,
  };
});

const seed: SeedFile = {
  source: {
    description:
      "Fine-tuning runs of the efficiency benchmark of Nauen, Palacio, Raue, Dengel: Which Transformer to Favor: " +
      "A Comparative Analysis of Efficiency in Vision Transformers (arXiv 2308.09372, WACV 2025).",
    repository: "https://github.com/tobna/WTF-Benchmark-Dashboard",
    file: "data/data.json",
    commit: "1718fed",
    license: "MIT",
    units: "counts, bytes, seconds, images/s, fractions (exactly as published)",
  },
  runs,
};
writeFileSync(outPath, `${JSON.stringify(seed, null, 1)}\n`);
console.log(`wrote ${runs.length} runs to ${outPath}`);
