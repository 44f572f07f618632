/**
 * The shape of data/wtf-benchmark.json and the map from Favor's metric keys to the dashboard's source keys.
 * Shared by the seed builder (scripts/build-seed.ts), the seeding code and the tests that check exactness.
 */

/** Favor metric key → key in the dashboard's data.json. Values are copied unchanged (bytes, seconds, images/s, fractions). */
export const SEED_METRIC_SOURCES = {
  accuracyTop1: "top_val_acc1",
  accuracyTop5: "top_val_acc5",
  params: "number of parameters",
  flops: "flops",
  macs: "macs",
  throughput: "throughput_value",
  inferenceMemoryB1: "inference_memory_@1",
  inferenceMemoryB32: "inference_memory_@32",
  inferenceMemoryB64: "inference_memory_@64",
  inferenceMemoryB128: "inference_memory_@128",
  trainingMemoryTotal: "peak_memory_total",
  trainingMemorySingle: "peak_memory_single",
  fineTuneTime: "final_time_sum",
} as const;

export type SeedMetricKey = keyof typeof SEED_METRIC_SOURCES;

/** The 16 per-epoch fields, as named in the source. */
export const EPOCH_FIELDS = [
  "loss",
  "time",
  "learning rate",
  "acc1",
  "acc5",
  "grad norm avrg",
  "grad norm max",
  "inf grad norm",
  "grad norm 20%",
  "grad norm 80%",
  "validation_loss",
  "validation_time",
  "val_acc1",
  "val_acc5",
  "time_sum",
  "validation_time_sum",
] as const;

export type SeedEpoch = { epoch: number } & Partial<Record<(typeof EPOCH_FIELDS)[number], number>>;

export interface SeedRun {
  /** The benchmark's model id, e.g. `deit_small_patch16_LS` or `ViT-S/16`. */
  sourceModelId: string;
  /** The dashboard's 64-bit experiment id, as a decimal string. */
  experimentId: string;
  runName: string;
  runDate: string;
  gpu: string;
  gpuCount: number;
  pretrainResolution: number;
  resolution: number;
  pretrainDataset: string;
  dataset: string;
  /** Batch size of the throughput figure; null where throughput is missing. */
  throughputBatchSize: number | null;
  metrics: Partial<Record<SeedMetricKey, number>>;
  hyperparameters: Record<string, unknown>;
  pretrainHyperparameters: Record<string, unknown>;
  epochs: SeedEpoch[];
}

export interface SeedFile {
  source: Record<string, string>;
  runs: SeedRun[];
}
