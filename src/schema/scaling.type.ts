import { Field, Float, Int, ObjectType } from "type-graphql";

import { AnalysisSubject } from "./analysis-subject.type.js";
import { Device } from "./device.type.js";
import { Metric } from "./metric.type.js";
import { ScalingVerdict } from "./scaling-verdict.enum.js";

@ObjectType({ description: "A model at a resolution, with the figures the scaling comparison uses." })
export class ScalingPoint {
  @Field(() => AnalysisSubject, {
    description: "The run used (duplicates resolved by highest top-1 accuracy).",
  })
  subject!: AnalysisSubject;

  @Field(() => Float, { nullable: true, description: "Top-1 accuracy (fraction)." })
  accuracy!: number | null;

  @Field(() => [Float], {
    nullable: "items",
    description: "The cost metrics' values, in the order of `costMetrics` (null where missing).",
  })
  costs!: Array<number | null>;
}

@ObjectType({ description: "A cost before and after a step, as a ratio." })
export class CostRatio {
  @Field(() => String, { description: "Metric key." })
  metric!: string;

  @Field(() => Float, {
    nullable: true,
    description: "After / before (e.g. 0.45 = throughput falls to 45%); null when a value is missing.",
  })
  ratio!: number | null;
}

@ObjectType({
  description:
    "One step up: a larger model of the same family at the same resolution, or the same model at the higher resolution.",
})
export class ScalingStep {
  @Field(() => String, { description: "SIZE or RESOLUTION." })
  kind!: string;

  @Field(() => ScalingPoint, { description: "Where the step ends." })
  to!: ScalingPoint;

  @Field(() => Float, { nullable: true, description: "Top-1 accuracy after minus before (fraction)." })
  accuracyGain!: number | null;

  @Field(() => [CostRatio], { description: "Each cost after / before." })
  costRatios!: CostRatio[];
}

@ObjectType({ description: "Which step is Pareto-better for one cost." })
export class ScalingVerdictEntry {
  @Field(() => String, { description: "Cost metric key." })
  metric!: string;

  @Field(() => ScalingVerdict, {
    nullable: true,
    description: "The verdict; null when a step or a figure is missing.",
  })
  verdict!: ScalingVerdict | null;
}

@ObjectType({ description: "The two ways up from one model at the lower resolution." })
export class ScalingComparison {
  @Field(() => ScalingPoint, { description: "The starting point." })
  from!: ScalingPoint;

  @Field(() => ScalingStep, {
    nullable: true,
    description: "The step to the next larger size of the family; null when there is none.",
  })
  sizeStep!: ScalingStep | null;

  @Field(() => ScalingStep, {
    nullable: true,
    description: "The step to the higher resolution; null when the model has no run there.",
  })
  resolutionStep!: ScalingStep | null;

  @Field(() => [ScalingVerdictEntry], {
    description: "Per cost metric, which step ends on the Pareto-better point (both steps needed).",
  })
  verdicts!: ScalingVerdictEntry[];
}

@ObjectType({ description: "How often each step wins, for one cost metric." })
export class ScalingSummary {
  @Field(() => String, { description: "Cost metric key." })
  metric!: string;

  @Field(() => Int, { description: "Comparisons where the larger model is Pareto-better." })
  size!: number;

  @Field(() => Int, { description: "Comparisons where the higher resolution is Pareto-better." })
  resolution!: number;

  @Field(() => Int, { description: "Comparisons where neither dominates." })
  tradeOff!: number;

  @Field(() => Int, { description: "Comparisons where both tie." })
  equal!: number;
}

@ObjectType({
  description: 'The paper\'s question "larger model or higher resolution?", answered from the data.',
})
export class ScalingAnswer {
  @Field(() => Int, { description: "Lower fine-tune resolution." })
  fromResolution!: number;

  @Field(() => Int, { description: "Higher fine-tune resolution." })
  toResolution!: number;

  @Field(() => Int, {
    description: "Pre-train resolution of the runs compared (the higher-resolution runs start from it).",
  })
  pretrainResolution!: number;

  @Field(() => String, { description: "Accuracy metric key (top-1)." })
  accuracyMetric!: string;

  @Field(() => [Metric], { description: "The cost metrics, in the order of every `costs` list." })
  costMetrics!: Metric[];

  @Field(() => Device, {
    nullable: true,
    description: "Device whose per-device figures were used; null = the paper's.",
  })
  device!: Device | null;

  @Field(() => [ScalingComparison], {
    description: "One per model at the lower resolution with at least one step up, by family then size.",
  })
  comparisons!: ScalingComparison[];

  @Field(() => [ScalingSummary], { description: "Per cost metric, how often each step wins." })
  summary!: ScalingSummary[];
}
