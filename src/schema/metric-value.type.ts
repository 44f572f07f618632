import { GraphQLDateTime } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";

import { CellSource, SubjectLevel } from "./catalog.enums.js";
import { Metric } from "./metric.type.js";

@ObjectType({
  simpleResolvers: true,
  description: "One figure: a metric's value for a run or model@resolution, with its unit and provenance.",
})
export class MetricValue {
  @Field(() => String, { description: "Metric key (see `metrics`)." })
  key!: string;

  @Field(() => Metric, { description: "The catalogue entry of the metric." })
  metric!: Metric;

  @Field(() => Float, {
    description: "The value, exactly as stored (paper figures as published; bytes, FLOPs as raw counts).",
  })
  value!: number;

  @Field(() => String, { description: "Unit of `value` (the catalogue's)." })
  unit!: string;

  @Field(() => Int, {
    nullable: true,
    description: "Batch size of the figure where it has one (throughput, inference memory).",
  })
  batchSize!: number | null;

  @Field(() => ID, {
    nullable: true,
    description: "Id of the device the figure was obtained on; null for device-independent figures.",
  })
  deviceId!: number | null;

  @Field(() => CellSource, { description: "paper or measured." })
  source!: CellSource;

  @Field(() => Float, {
    nullable: true,
    description: "The measurement job that wrote the figure (measured figures only).",
  })
  jobId!: number | null;

  @Field(() => GraphQLDateTime, { description: "When the figure was written to this database." })
  createdAt!: Date;

  @Field(() => SubjectLevel, {
    description:
      "Whether the figure belongs to the paper run (RUN) or to the model@resolution (MODEL_RESOLUTION, measurements).",
  })
  owner!: SubjectLevel;

  /** Not in the schema: the cell's id (provenance and device are resolved from it by MetricValueResolver). */
  cellId!: number;
}
