import { Field, InputType } from "type-graphql";

import { MetricDirection } from "./catalog.enums.js";

@InputType({
  description: "One objective of a Pareto front: a metric, and optionally which way it improves.",
})
export class ObjectiveInput {
  @Field(() => String, {
    description:
      "Metric key (see `metrics`), e.g. `accuracyTop1`, `throughput`; an unknown key is a BAD_USER_INPUT error naming it.",
  })
  metric!: string;

  @Field(() => MetricDirection, {
    nullable: true,
    description:
      "HIGHER or LOWER is better; omitted = the catalogue's direction (accuracy and throughput up; parameters, FLOPs, memory and time down).",
  })
  direction?: MetricDirection | null;
}
