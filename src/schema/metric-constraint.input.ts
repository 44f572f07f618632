import { Field, Float, InputType } from "type-graphql";

import { ComparisonOperator } from "./comparison-operator.enum.js";

@InputType({
  description:
    "A constraint on a figure: `metric op value`, or `metric IN values`. Subjects without the figure never match. Reusable by any query that filters by metrics.",
})
export class MetricConstraintInput {
  @Field(() => String, {
    description: "Metric key (see `metrics`); an unknown key is a BAD_USER_INPUT error naming it.",
  })
  metric!: string;

  @Field(() => ComparisonOperator, { description: "How to compare." })
  op!: ComparisonOperator;

  @Field(() => Float, { nullable: true, description: "The value to compare with (all operators but IN)." })
  value?: number | null;

  @Field(() => [Float], { nullable: true, description: "The values for IN." })
  values?: number[] | null;
}
