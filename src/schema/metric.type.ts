import { Field, Int, ObjectType } from "type-graphql";

import { MetricDirection, MetricStage } from "./catalog.enums.js";

@ObjectType({
  simpleResolvers: true,
  description: "An entry of the metric catalogue: what a figure's key means and how to read it.",
})
export class Metric {
  @Field(() => String, {
    description: "Stable key used in filters, orderings and figures, e.g. `accuracyTop1`.",
  })
  key!: string;

  @Field(() => String, { description: 'Human-readable label, e.g. "Top-1 accuracy".' })
  label!: string;

  @Field(() => String, {
    description: "Unit of the stored values: fraction, count, FLOP, MAC, images/s, bytes, s, ms.",
  })
  unit!: string;

  @Field(() => MetricDirection, { description: "Whether higher or lower values are better." })
  direction!: MetricDirection;

  @Field(() => MetricStage, { description: "What the metric measures." })
  stage!: MetricStage;

  @Field(() => Boolean, { description: "True when the figure depends on the device it was obtained on." })
  perDevice!: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      "Batch size the metric is defined at, where fixed; null when it varies (see each figure's batchSize).",
  })
  batchSize!: number | null;

  @Field(() => String, { description: "What exactly the figure is." })
  description!: string;
}
