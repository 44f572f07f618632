import { registerEnumType } from "type-graphql";

/** The main constraint of the paper's decision (Fig. 6). */
export enum RecommendationConstraint {
  SPEED = "SPEED",
  MEMORY = "MEMORY",
}

registerEnumType(RecommendationConstraint, {
  name: "RecommendationConstraint",
  description: "What limits you most.",
  valuesConfig: {
    SPEED: { description: "Time: throughput at inference, fine-tuning time at training." },
    MEMORY: { description: "Memory: inference memory at batch size 1, or total training memory." },
  },
});

/** When the constraint bites. */
export enum RecommendationStage {
  INFERENCE = "INFERENCE",
  TRAINING = "TRAINING",
}

registerEnumType(RecommendationStage, {
  name: "RecommendationStage",
  description: "Whether the constraint applies to inference or to training.",
  valuesConfig: {
    INFERENCE: { description: "Deploying the model." },
    TRAINING: { description: "Fine-tuning the model." },
  },
});
