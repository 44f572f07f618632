import { registerEnumType } from "type-graphql";

/** Whether higher or lower values of a metric are better. */
export enum MetricDirection {
  HIGHER = "HIGHER",
  LOWER = "LOWER",
}

registerEnumType(MetricDirection, {
  name: "MetricDirection",
  description: "Which way a metric improves.",
  valuesConfig: { HIGHER: { description: "Higher is better." }, LOWER: { description: "Lower is better." } },
});

/** The stage a metric describes. */
export enum MetricStage {
  QUALITY = "QUALITY",
  THEORETICAL = "THEORETICAL",
  INFERENCE = "INFERENCE",
  TRAINING = "TRAINING",
}

registerEnumType(MetricStage, {
  name: "MetricStage",
  description: "What a metric measures.",
  valuesConfig: {
    QUALITY: { description: "Model quality (accuracy)." },
    THEORETICAL: { description: "Device-independent cost (parameters, FLOPs, MACs)." },
    INFERENCE: { description: "Inference cost on a device (throughput, memory, latency)." },
    TRAINING: { description: "Training cost on the paper's GPUs (memory, time)." },
  },
});

/** Kind of device. */
export enum DeviceKind {
  CPU = "cpu",
  GPU = "gpu",
}

registerEnumType(DeviceKind, {
  name: "DeviceKind",
  description: "Whether a device is a CPU or a GPU.",
  valuesConfig: { CPU: { description: "A CPU." }, GPU: { description: "A GPU." } },
});

/** Where a figure came from. */
export enum CellSource {
  PAPER = "paper",
  MEASURED = "measured",
}

registerEnumType(CellSource, {
  name: "CellSource",
  description: "Where a figure came from.",
  valuesConfig: {
    PAPER: { description: "Published with the paper (tobna/WTF-Benchmark-Dashboard data), exactly." },
    MEASURED: { description: "Measured by Favor; see the provenance." },
  },
});

/** Level of the subjects a query ranges over. */
export enum SubjectLevel {
  RUN = "run",
  MODEL_RESOLUTION = "modelResolution",
}

registerEnumType(SubjectLevel, {
  name: "SubjectLevel",
  description: "What figures are counted per: paper runs, or model@resolution rows.",
  valuesConfig: {
    RUN: { description: "Each of the paper's fine-tuning runs." },
    MODEL_RESOLUTION: {
      description:
        "Each (model, fine-tune resolution); duplicates resolved by the highest top-1 accuracy run.",
    },
  },
});

/** What aggregates group by. */
export enum AggregateGroupBy {
  TAXONOMY_CLASS = "TAXONOMY_CLASS",
  FAMILY = "FAMILY",
  RESOLUTION = "RESOLUTION",
  CHANGES_WHAT = "CHANGES_WHAT",
}

registerEnumType(AggregateGroupBy, {
  name: "AggregateGroupBy",
  description: "The grouping of an aggregate.",
  valuesConfig: {
    TAXONOMY_CLASS: { description: "The dashboard's 10 taxonomy classes." },
    FAMILY: { description: "Model family." },
    RESOLUTION: { description: "Fine-tune resolution." },
    CHANGES_WHAT: { description: "The paper's taxonomy category (what part of the ViT a model changes)." },
  },
});
