import { Field, Float, ID, Int, ObjectType } from "type-graphql";

import { CellSource } from "./catalog.enums.js";
import { Device } from "./device.type.js";

@ObjectType({ description: "Whether one model × resolution × metric cell has a figure." })
export class CoverageCell {
  @Field(() => String, { description: "Model display name." })
  model!: string;

  @Field(() => ID, { description: "Model id." })
  modelId!: number;

  @Field(() => Int, { description: "Fine-tune resolution." })
  resolution!: number;

  @Field(() => String, { description: "Metric key." })
  metric!: string;

  @Field(() => Boolean, { description: "Whether a figure exists." })
  exists!: boolean;

  @Field(() => Float, {
    nullable: true,
    description: "The figure, when it exists (model@resolution rule for duplicate runs).",
  })
  value!: number | null;

  @Field(() => CellSource, { nullable: true, description: "Where the figure came from." })
  source!: CellSource | null;
}

@ObjectType({ description: "Coverage of one metric." })
export class CoverageByMetric {
  @Field(() => String, { description: "Metric key." })
  metric!: string;

  @Field(() => Int, { description: "Model@resolution rows with the figure." })
  present!: number;

  @Field(() => Int, { description: "Model@resolution rows without it." })
  missing!: number;
}

@ObjectType({
  description:
    "Which model × resolution × metric cells exist for a device, and which the `measure` mutation could fill.",
})
export class Coverage {
  @Field(() => Device, { nullable: true, description: "The device; null = the paper's figures." })
  device!: Device | null;

  @Field(() => [String], { description: "Metric keys covered." })
  metrics!: string[];

  @Field(() => Int, { description: "Cells in all (model@resolution rows × metrics)." })
  total!: number;

  @Field(() => Int, { description: "Cells with a figure." })
  present!: number;

  @Field(() => Int, { description: "Cells without one." })
  missing!: number;

  @Field(() => [CoverageByMetric], { description: "Per metric." })
  byMetric!: CoverageByMetric[];

  @Field(() => [CoverageCell], { description: "The cells (only the missing ones with `onlyMissing`)." })
  cells!: CoverageCell[];
}
