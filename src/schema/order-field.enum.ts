import { registerEnumType } from "type-graphql";

/** Non-metric fields runs and model@resolution rows can be ordered by. */
export enum OrderField {
  NAME = "NAME",
  FAMILY = "FAMILY",
  SIZE = "SIZE",
  TAXONOMY_CLASS = "TAXONOMY_CLASS",
  RESOLUTION = "RESOLUTION",
  PRETRAIN_RESOLUTION = "PRETRAIN_RESOLUTION",
  RUN_ID = "RUN_ID",
  GPU_COUNT = "GPU_COUNT",
}

registerEnumType(OrderField, {
  name: "OrderField",
  description: "A field to order by (to order by a figure, give `metric` instead).",
  valuesConfig: {
    NAME: { description: "Model display name." },
    FAMILY: { description: "Model family." },
    SIZE: { description: "Model size label (Ti, S, B, ...), as text." },
    TAXONOMY_CLASS: { description: "The dashboard's taxonomy class." },
    RESOLUTION: { description: "Fine-tune resolution." },
    PRETRAIN_RESOLUTION: {
      description: "Pre-train resolution (of the representative run for model@resolution rows).",
    },
    RUN_ID: { description: "Run id (of the representative run for model@resolution rows)." },
    GPU_COUNT: { description: "Number of GPUs of the run." },
  },
});
