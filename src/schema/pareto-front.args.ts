import { ArgsType, Field, ID, Int } from "type-graphql";

import { AggregateGroupBy, SubjectLevel } from "./catalog.enums.js";
import { MetricConstraintInput } from "./metric-constraint.input.js";
import { ObjectiveInput } from "./objective.input.js";
import { SubjectFilterInput } from "./subject-filter.input.js";

@ArgsType()
export class AnalysisScopeArgs {
  @Field(() => [MetricConstraintInput], {
    nullable: true,
    description:
      "Constraints on any metric, all must hold, e.g. accuracyTop1 GTE 0.8 and inferenceMemoryB1 LTE 1e9 (bytes). Subjects without the figure do not match.",
  })
  where?: MetricConstraintInput[] | null;

  @Field(() => Int, { nullable: true, description: "Fine-tune resolution, e.g. 224; omitted = all." })
  resolution?: number | null;

  @Field(() => Int, { nullable: true, description: "Pre-train resolution, e.g. 192 or 224; omitted = all." })
  pretrainResolution?: number | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Taxonomy classes to keep, e.g. ["Sequence Reduction"]; omitted = all.',
  })
  taxonomy?: string[] | null;

  @Field(() => SubjectFilterInput, {
    nullable: true,
    description:
      "Any other filter of the data service (names, families, categories); intersected with the arguments above.",
  })
  filter?: SubjectFilterInput | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Device (id or name) whose per-device figures to use; omitted = the paper's figures, on the A100 each run recorded.",
  })
  device?: string | null;
}

@ArgsType()
export class ParetoFrontArgs extends AnalysisScopeArgs {
  @Field(() => [ObjectiveInput], {
    description:
      'The objectives, at least one, each metric once; e.g. [{metric: "accuracyTop1"}, {metric: "throughput"}].',
  })
  objectives!: ObjectiveInput[];

  @Field(() => AggregateGroupBy, {
    nullable: true,
    description: "Compute one front per group (e.g. RESOLUTION); omitted = one front.",
  })
  groupBy?: AggregateGroupBy | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "Return only these models' points (display names or benchmark ids), ranked against the whole scope: what beats them and by how much. `front` stays complete.",
  })
  focus?: string[] | null;

  @Field(() => SubjectLevel, {
    defaultValue: SubjectLevel.RUN,
    description:
      "Points are the paper's runs (default; duplicate runs are separate points) or model@resolution rows.",
  })
  level!: SubjectLevel;
}
