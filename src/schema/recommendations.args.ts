import { ArgsType, Field } from "type-graphql";

import { SubjectLevel } from "./catalog.enums.js";
import { AnalysisScopeArgs } from "./pareto-front.args.js";
import { RecommendationConstraint, RecommendationStage } from "./recommendation.enums.js";

@ArgsType()
export class RecommendationsArgs extends AnalysisScopeArgs {
  @Field(() => RecommendationConstraint, { description: "SPEED or MEMORY." })
  constraint!: RecommendationConstraint;

  @Field(() => RecommendationStage, { description: "INFERENCE or TRAINING." })
  stage!: RecommendationStage;

  @Field(() => String, {
    nullable: true,
    description:
      "Override the cost metric (default: throughput, inferenceMemoryB1, fineTuneTime or trainingMemoryTotal by constraint and stage).",
  })
  costMetric?: string | null;

  @Field(() => SubjectLevel, {
    defaultValue: SubjectLevel.MODEL_RESOLUTION,
    description: "model@resolution rows (default: one point per model and resolution) or the paper's runs.",
  })
  level!: SubjectLevel;
}
