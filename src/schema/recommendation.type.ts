import { Field, Int, ObjectType } from "type-graphql";

import { Metric } from "./metric.type.js";
import { ParetoFront, ParetoPoint } from "./pareto-front.type.js";
import { RecommendationConstraint, RecommendationStage } from "./recommendation.enums.js";

@ObjectType({ description: "A taxonomy class's best points on the front of a recommendation." })
export class ClassRecommendation {
  @Field(() => String, { description: "Taxonomy class." })
  taxonomyClass!: string;

  @Field(() => Int, { description: "The best Pareto rank any of its points reaches (1 = on the front)." })
  bestRank!: number;

  @Field(() => Boolean, { description: "Whether the class has a point on the front." })
  onFront!: boolean;

  @Field(() => [ParetoPoint], { description: "Its points at that rank, most accurate first." })
  points!: ParetoPoint[];
}

@ObjectType({
  description:
    "The paper's decision (choose the main constraint, then inference or training), computed from the front in the data.",
})
export class Recommendation {
  @Field(() => RecommendationConstraint, { description: "The constraint asked for." })
  constraint!: RecommendationConstraint;

  @Field(() => RecommendationStage, { description: "The stage asked for." })
  stage!: RecommendationStage;

  @Field(() => String, { description: "The accuracy metric of the front (top-1)." })
  accuracyMetric!: string;

  @Field(() => Metric, { description: "The cost metric of the front." })
  costMetric!: Metric;

  @Field(() => ParetoFront, {
    description: "The front used: top-1 accuracy against the cost metric over the subjects in scope.",
  })
  front!: ParetoFront;

  @Field(() => [ClassRecommendation], {
    description: "Per taxonomy class, its best points; classes on the front first, then by rank, then name.",
  })
  classes!: ClassRecommendation[];
}
