import { Field, Float, ID, Int, ObjectType } from "type-graphql";

import { AnalysisSubject } from "./analysis-subject.type.js";
import { MetricDirection, SubjectLevel } from "./catalog.enums.js";
import { Device } from "./device.type.js";
import { Metric } from "./metric.type.js";

@ObjectType({ description: "An objective as the front used it." })
export class ParetoObjective {
  @Field(() => Metric, { description: "The metric." })
  metric!: Metric;

  @Field(() => MetricDirection, { description: "The direction used (given, or the catalogue's)." })
  direction!: MetricDirection;

  @Field(() => Float, {
    nullable: true,
    description:
      "The best value the objective can reach, which bounds gaps: 1 for a fraction maximised, 0 for a cost minimised; null when unbounded (throughput).",
  })
  bound!: number | null;
}

@ObjectType({
  description:
    "How far a point off the front is from it along one objective, all other objectives unchanged. Among the points no worse than this one on every other objective, the best value on this objective is `target`; the point must reach it, or pass it when `strict` (the blocker is also strictly better elsewhere). `gap` = |value − target|, the smallest such improvement (an infimum when strict).",
})
export class ObjectiveGap {
  @Field(() => String, { description: "Metric key of the objective." })
  metric!: string;

  @Field(() => Float, {
    nullable: true,
    description:
      "Improvement needed on this objective alone, in its unit (an increase for HIGHER, a decrease for LOWER); null when the target lies beyond the objective's bound (accuracy above 1, a cost below 0).",
  })
  gap!: number | null;

  @Field(() => Float, { description: "The value to reach (or pass, when `strict`)." })
  target!: number;

  @Field(() => Boolean, {
    description:
      "True when reaching `target` exactly still leaves the point dominated: it must do strictly better.",
  })
  strict!: boolean;

  @Field(() => AnalysisSubject, { nullable: true, description: "A point that sets the target." })
  blocker!: AnalysisSubject | null;
}

@ObjectType({ description: "One subject on (or off) a front." })
export class ParetoPoint {
  @Field(() => AnalysisSubject, { description: "The run or model@resolution this point is." })
  subject!: AnalysisSubject;

  @Field(() => ID, { nullable: true, description: "Shortcut for `subject.runId`." })
  runId!: number | null;

  @Field(() => String, {
    nullable: true,
    description: "The point's group (see `groupBy`); null when ungrouped.",
  })
  group!: string | null;

  @Field(() => [Float], { description: "The point's value of each objective, in the order of `objectives`." })
  values!: number[];

  @Field(() => Int, {
    description:
      "Pareto rank within its group: 1 = on the front, 2 = on the front once rank 1 is removed, ...",
  })
  rank!: number;

  @Field(() => Boolean, {
    description:
      "On the front (rank 1): no other point is at least as good on every objective and better on one. Equal points are optimal together.",
  })
  optimal!: boolean;

  @Field(() => [AnalysisSubject], {
    description: "Every point that dominates this one (empty when optimal): what beats it.",
  })
  dominators!: AnalysisSubject[];

  @Field(() => [ObjectiveGap], {
    nullable: true,
    description:
      "Per objective, by how much this point alone would have to improve to join the front; null when optimal.",
  })
  gap!: ObjectiveGap[] | null;
}

@ObjectType({ description: "Subjects in scope left out of a front because they lack figures." })
export class ParetoExclusion {
  @Field(() => Int, { description: "How many." })
  count!: number;

  @Field(() => String, { description: 'Why, e.g. "missing throughput".' })
  reason!: string;

  @Field(() => [String], { description: "Metric keys they miss." })
  missing!: string[];

  @Field(() => [AnalysisSubject], { description: "Which." })
  subjects!: AnalysisSubject[];
}

@ObjectType({ description: "The front of one group (or of everything, when ungrouped)." })
export class ParetoGroup {
  @Field(() => String, {
    nullable: true,
    description: "Group key (a taxonomy class, family, category or resolution); null when ungrouped.",
  })
  key!: string | null;

  @Field(() => Int, { description: "Subjects of the group in scope (points plus excluded)." })
  scopeCount!: number;

  @Field(() => [ParetoPoint], {
    description:
      "Every point of the group, by rank (the front first) and within a rank along it: by the first objective, best first, then the later ones.",
  })
  points!: ParetoPoint[];

  @Field(() => [ParetoExclusion], { description: "Subjects of the group left out, by reason." })
  excluded!: ParetoExclusion[];
}

@ObjectType({ description: "A Pareto analysis of any number of objectives over the subjects in scope." })
export class ParetoFront {
  @Field(() => [ParetoObjective], { description: "The objectives, in the order of every `values` list." })
  objectives!: ParetoObjective[];

  @Field(() => Device, {
    nullable: true,
    description:
      "Device whose per-device figures were used; null = the paper's figures (the A100 each run recorded).",
  })
  device!: Device | null;

  @Field(() => SubjectLevel, { description: "Whether points are runs or model@resolution rows." })
  level!: SubjectLevel;

  @Field(() => Int, {
    description: "Subjects that passed the filters (before exclusions for missing figures).",
  })
  scopeCount!: number;

  @Field(() => [ParetoPoint], {
    description: "All points of all groups, group by group, each in front order.",
  })
  points!: ParetoPoint[];

  @Field(() => [ParetoPoint], {
    description:
      "Only the optimal points (rank 1) of all groups, each group's along its front: by the first objective, best first (on a 2-D front the second objective improves at each step).",
  })
  front!: ParetoPoint[];

  @Field(() => [ParetoExclusion], {
    description: "Subjects left out for missing figures, by reason, over all groups.",
  })
  excluded!: ParetoExclusion[];

  @Field(() => [ParetoGroup], {
    description: "The fronts per group; one group with key null when ungrouped.",
  })
  groups!: ParetoGroup[];
}
