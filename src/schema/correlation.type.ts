import { Field, Float, Int, ObjectType } from "type-graphql";

import { SubjectLevel } from "./catalog.enums.js";
import { CorrelationMethod } from "./correlation-method.enum.js";
import { Device } from "./device.type.js";

@ObjectType({ description: "The correlation of two metrics." })
export class CorrelationPair {
  @Field(() => String, { description: "First metric key." })
  a!: string;

  @Field(() => String, { description: "Second metric key." })
  b!: string;

  @Field(() => Float, {
    nullable: true,
    description:
      "The coefficient in [-1, 1]; null when fewer than 2 subjects have both figures or one is constant.",
  })
  r!: number | null;

  @Field(() => Int, {
    description: "Subjects having both figures (the pairs the coefficient is computed over).",
  })
  n!: number;
}

@ObjectType({
  description:
    "Correlations between metrics over the subjects in scope, each cell over the subjects having both figures.",
})
export class CorrelationMatrix {
  @Field(() => CorrelationMethod, { description: "The coefficient." })
  method!: CorrelationMethod;

  @Field(() => [String], { description: "Metric keys: the rows and columns of `r` and `n`, in this order." })
  metrics!: string[];

  @Field(() => SubjectLevel, { description: "Whether subjects are runs or model@resolution rows." })
  level!: SubjectLevel;

  @Field(() => Device, {
    nullable: true,
    description: "Device whose per-device figures were used; null = the paper's.",
  })
  device!: Device | null;

  @Field(() => Int, { description: "Subjects that passed the filters." })
  scopeCount!: number;

  @Field(() => [[Float]], {
    nullable: "items",
    description: "r[i][j]: the coefficient of metrics[i] and metrics[j] (null where undefined). Symmetric.",
  })
  r!: Array<Array<number | null>>;

  @Field(() => [[Int]], {
    description: "n[i][j]: subjects having both figures. Symmetric; n[i][i] counts subjects with metrics[i].",
  })
  n!: number[][];

  @Field(() => [CorrelationPair], {
    description:
      "Every pair of distinct metrics, strongest |r| first (undefined last): the strongest relations at a glance.",
  })
  pairs!: CorrelationPair[];
}
