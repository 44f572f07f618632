import type { NewMetricRow } from "./schema/index.js";

/**
 * The metric catalogue Favor knows, upserted into the `metrics` table at every start (so entries added here reach
 * existing databases). Measured metrics (latency p50/p90/p99 at batch 1) are listed here too; throughput and
 * inference memory keys are shared by paper and measured figures (the device tells them apart).
 * Units are those of the stored values: the paper's figures are stored exactly as published.
 */
export const METRIC_CATALOG: readonly NewMetricRow[] = [
  {
    key: "accuracyTop1",
    label: "Top-1 accuracy",
    unit: "fraction",
    direction: "HIGHER",
    stage: "QUALITY",
    perDevice: false,
    batchSize: null,
    description:
      "Best ImageNet-1k validation top-1 accuracy over the 50 fine-tuning epochs, as a fraction 0-1 (the paper's figure).",
  },
  {
    key: "accuracyTop5",
    label: "Top-5 accuracy",
    unit: "fraction",
    direction: "HIGHER",
    stage: "QUALITY",
    perDevice: false,
    batchSize: null,
    description:
      "Best ImageNet-1k validation top-5 accuracy over the 50 fine-tuning epochs, as a fraction 0-1.",
  },
  {
    key: "params",
    label: "Parameters",
    unit: "count",
    direction: "LOWER",
    stage: "THEORETICAL",
    perDevice: false,
    batchSize: null,
    description: "Number of trainable parameters.",
  },
  {
    key: "flops",
    label: "FLOPs",
    unit: "FLOP",
    direction: "LOWER",
    stage: "THEORETICAL",
    perDevice: false,
    batchSize: null,
    description:
      "Floating point operations of one forward pass of one image at the fine-tune resolution (raw count).",
  },
  {
    key: "macs",
    label: "MACs",
    unit: "MAC",
    direction: "LOWER",
    stage: "THEORETICAL",
    perDevice: false,
    batchSize: null,
    description:
      "Multiply-accumulate operations of one forward pass of one image at the fine-tune resolution (raw count).",
  },
  {
    key: "throughput",
    label: "Throughput",
    unit: "images/s",
    direction: "HIGHER",
    stage: "INFERENCE",
    perDevice: true,
    batchSize: null,
    description:
      "Inference throughput in images per second at the batch size recorded with the figure (the cell's batchSize).",
  },
  ...[1, 32, 64, 128].map(
    (batch): NewMetricRow => ({
      key: `inferenceMemoryB${batch}`,
      label: `Inference memory @${batch}`,
      unit: "bytes",
      direction: "LOWER",
      stage: "INFERENCE",
      perDevice: true,
      batchSize: batch,
      description:
        `Peak memory of inference at batch size ${batch}, in bytes: weights, input and activations. The paper's figure is ` +
        "PyTorch's peak allocated GPU memory; a measured figure is the profiler's peak above the loaded session plus the " +
        "graph's weight bytes (GPU: the process's device memory; CPU: resident memory), split out in its provenance.",
    }),
  ),
  ...([50, 90, 99] as const).map(
    (p): NewMetricRow => ({
      key: `latencyP${p}Ms`,
      label: `Latency p${p} @1`,
      unit: "ms",
      direction: "LOWER",
      stage: "INFERENCE",
      perDevice: true,
      batchSize: 1,
      description:
        `${p}th percentile of the time of one inference at batch size 1, in milliseconds, measured by Favor's profiler ` +
        "(after warm-up, until both the minimum number of runs and the minimum duration are met; spread in the provenance).",
    }),
  ),
  {
    key: "trainingMemoryTotal",
    label: "Training memory (all GPUs)",
    unit: "bytes",
    direction: "LOWER",
    stage: "TRAINING",
    perDevice: true,
    batchSize: null,
    description: "Peak memory of fine-tuning summed over all GPUs of the run, in bytes.",
  },
  {
    key: "trainingMemorySingle",
    label: "Training memory (one GPU)",
    unit: "bytes",
    direction: "LOWER",
    stage: "TRAINING",
    perDevice: true,
    batchSize: null,
    description: "Peak memory of fine-tuning on a single GPU of the run, in bytes.",
  },
  {
    key: "fineTuneTime",
    label: "Fine-tuning time",
    unit: "s",
    direction: "LOWER",
    stage: "TRAINING",
    perDevice: true,
    batchSize: null,
    description:
      "Fine-tuning time summed over the 50 epochs, in seconds, as published (the dashboard shows it divided by 3600 and labelled h·GPUs).",
  },
];
