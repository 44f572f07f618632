import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "Aggregate of one metric over one group of runs or model@resolution rows." })
export class MetricAggregate {
  @Field(() => String, {
    description: "The group: a taxonomy class, family, category, or a resolution as text.",
  })
  group!: string;

  @Field(() => Int, {
    description: "Subjects of the group that have the figure (min/max/mean are over these).",
  })
  count!: number;

  @Field(() => Int, { description: "Subjects in the group, with or without the figure." })
  subjects!: number;

  @Field(() => Float, { nullable: true, description: "Smallest value; null when no subject has the figure." })
  min!: number | null;

  @Field(() => Float, { nullable: true, description: "Largest value." })
  max!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Arithmetic mean (a derived figure, not one the paper published).",
  })
  mean!: number | null;
}
