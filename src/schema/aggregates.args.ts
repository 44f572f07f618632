import { ArgsType, Field, ID } from "type-graphql";

import { AggregateGroupBy, SubjectLevel } from "./catalog.enums.js";
import { SubjectFilterInput } from "./subject-filter.input.js";

@ArgsType()
export class AggregatesArgs {
  @Field(() => String, { description: "Metric key to aggregate." })
  metric!: string;

  @Field(() => AggregateGroupBy, { description: "Grouping." })
  groupBy!: AggregateGroupBy;

  @Field(() => SubjectLevel, {
    defaultValue: SubjectLevel.MODEL_RESOLUTION,
    description: "Aggregate over runs or model@resolution rows.",
  })
  level!: SubjectLevel;

  @Field(() => SubjectFilterInput, { nullable: true, description: "Which subjects." })
  filter?: SubjectFilterInput | null;

  @Field(() => ID, {
    nullable: true,
    description: "Device (id or name) for per-device figures; omitted = the paper's.",
  })
  device?: string | null;
}
