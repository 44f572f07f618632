import { Args, Query, Resolver } from "type-graphql";
import type { CorrelationMethod as Method } from "../analysis/correlation.js";
import type { DeviceRow, MetricRow } from "../db/schema/index.js";
import type { AnalysisSubject } from "../schema/analysis-subject.type.js";
import type { CellSource, MetricDirection, SubjectLevel } from "../schema/catalog.enums.js";
import { CorrelationMatrix } from "../schema/correlation.type.js";
import { CorrelationsArgs } from "../schema/correlations.args.js";
import { CoverageArgs } from "../schema/coverage.args.js";
import { Coverage } from "../schema/coverage.type.js";
import type { Device } from "../schema/device.type.js";
import type { Metric } from "../schema/metric.type.js";
import { type AnalysisScopeArgs, ParetoFrontArgs } from "../schema/pareto-front.args.js";
import { ParetoFront, type ParetoPoint } from "../schema/pareto-front.type.js";
import { Recommendation } from "../schema/recommendation.type.js";
import { RecommendationsArgs } from "../schema/recommendations.args.js";
import { ScalingArgs } from "../schema/scaling.args.js";
import { ScalingAnswer, type ScalingPoint, type ScalingStep } from "../schema/scaling.type.js";
import type { ScalingVerdict } from "../schema/scaling-verdict.enum.js";
import {
  type AnalysisScope,
  type AnalysisService,
  type Exclusion,
  type FrontPoint,
  type FrontResult,
  refOf,
  type ScalingPointResult,
  type ScalingStepResult,
} from "../services/analysis.service.js";
import type { SubjectLevel as ServiceLevel, Services, Subject } from "../services/index.js";
import { toRunNode } from "./nodes.js";

/** The paper's analyses as queries: Pareto fronts, correlations, scaling, recommendations, coverage. */
@Resolver()
export class AnalysisResolver {
  private readonly analysis: AnalysisService;

  constructor(services: Services) {
    this.analysis = services.analysis;
  }

  @Query(() => ParetoFront, {
    description:
      "The Pareto front of any number of metrics (one or more) over the runs or model@resolution rows in scope: every point with its values, rank, optimal flag, dominators and per-objective gap to the front, optionally one front per group; subjects missing a figure are excluded and counted by reason.",
  })
  async paretoFront(@Args(() => ParetoFrontArgs) args: ParetoFrontArgs): Promise<ParetoFront> {
    return toFront(
      await this.analysis.paretoFront(args.objectives, scopeOf(args, args.level), args.groupBy, args.focus),
    );
  }

  @Query(() => CorrelationMatrix, {
    description:
      "Pearson or Spearman correlations between metrics over the subjects in scope, with n per cell and the pairs ordered by strength.",
  })
  async correlations(@Args(() => CorrelationsArgs) args: CorrelationsArgs): Promise<CorrelationMatrix> {
    const result = await this.analysis.correlations(
      args.metrics,
      args.method as Method,
      scopeOf(args, args.level),
    );
    return { ...result, method: args.method, level: args.level, device: toDevice(result.device) };
  }

  @Query(() => ScalingAnswer, {
    description:
      "Larger model or higher resolution? For every model with runs at both resolutions, and families with several sizes, the accuracy and cost of each step up and which is Pareto-better.",
  })
  async scaling(@Args(() => ScalingArgs) args: ScalingArgs): Promise<ScalingAnswer> {
    const result = await this.analysis.scaling(args);
    const keys = result.costMetrics.map((m) => m.key);
    const subject = subjectMapper();
    return {
      ...result,
      costMetrics: result.costMetrics.map(toMetric),
      device: toDevice(result.device),
      comparisons: result.comparisons.map((c) => ({
        from: toScalingPoint(c.from, subject),
        sizeStep: c.sizeStep && toScalingStep(c.sizeStep, keys, subject),
        resolutionStep: c.resolutionStep && toScalingStep(c.resolutionStep, keys, subject),
        verdicts: c.verdicts.map((v, j) => ({ metric: keys[j], verdict: v as ScalingVerdict | null })),
      })),
    };
  }

  @Query(() => Recommendation, {
    description:
      "The paper's decision (Fig. 6) from the data: the front of top-1 accuracy against the metric of the chosen constraint and stage, and each taxonomy class's best models on it.",
  })
  async recommendations(@Args(() => RecommendationsArgs) args: RecommendationsArgs): Promise<Recommendation> {
    const result = await this.analysis.recommendations(
      args.constraint,
      args.stage,
      scopeOf(args, args.level),
      args.costMetric,
    );
    const subject = subjectMapper();
    const front = toFront(result.front, subject);
    const byFrontPoint = new Map(result.front.points.map((p, i) => [p, front.points[i]]));
    return {
      ...result,
      constraint: args.constraint,
      stage: args.stage,
      costMetric: toMetric(result.costMetric),
      front,
      classes: result.classes.map((c) => ({ ...c, points: c.points.map((p) => byFrontPoint.get(p)!) })),
    };
  }

  @Query(() => Coverage, {
    description:
      "Which model × resolution × metric cells have a figure for a device and which are missing (what the `measure` mutation can fill).",
  })
  async coverage(@Args(() => CoverageArgs) args: CoverageArgs): Promise<Coverage> {
    const result = await this.analysis.coverage(args.device, args.metrics, args.onlyMissing);
    return {
      ...result,
      device: toDevice(result.device),
      cells: result.cells.map((c) => ({ ...c, model: c.modelName, source: c.source as CellSource | null })),
    };
  }
}

function scopeOf(args: AnalysisScopeArgs, level: SubjectLevel): AnalysisScope {
  return { ...args, level: level as ServiceLevel };
}

function toDevice(device: DeviceRow | null): Device | null {
  return device as Device | null;
}

function toMetric(metric: MetricRow): Metric {
  return metric as Metric;
}

/** Returns a mapper from service subjects to schema subjects that builds each one once per answer. */
function subjectMapper(): (subject: Subject) => AnalysisSubject {
  const built = new Map<Subject, AnalysisSubject>();
  return (subject) => {
    let node = built.get(subject);
    if (!node) {
      const ref = refOf(subject);
      node = {
        key: ref.key,
        runId: ref.runId,
        model: subject.model,
        resolution: ref.resolution,
        pretrainResolution: ref.pretrainResolution,
        run: subject.run ? toRunNode(subject) : null,
      };
      built.set(subject, node);
    }
    return node;
  };
}

function pointMapper(subject: (s: Subject) => AnalysisSubject): (p: FrontPoint) => ParetoPoint {
  return (p) => ({
    subject: subject(p.subject),
    runId: p.ref.runId,
    group: p.group,
    values: p.values,
    rank: p.rank,
    optimal: p.optimal,
    dominators: p.dominators.map(subject),
    gap: p.gap?.map((g) => ({ ...g, blocker: g.blocker && subject(g.blocker) })) ?? null,
  });
}

function toFront(result: FrontResult, subject = subjectMapper()): ParetoFront {
  const built = new Map<FrontPoint, ParetoPoint>();
  const toPoint = pointMapper(subject);
  const point = (p: FrontPoint) => {
    let node = built.get(p);
    if (!node) {
      node = toPoint(p);
      built.set(p, node);
    }
    return node;
  };
  const exclusion = (e: Exclusion) => ({ ...e, subjects: e.subjects.map(subject) });
  return {
    objectives: result.objectives.map((o) => ({
      metric: toMetric(o.metric),
      direction: o.direction as MetricDirection,
      bound: o.bound,
    })),
    device: toDevice(result.device),
    level: result.level as SubjectLevel,
    scopeCount: result.scopeCount,
    points: result.points.map(point),
    front: result.front.map(point),
    excluded: result.excluded.map(exclusion),
    groups: result.groups.map((g) => ({
      key: g.key,
      scopeCount: g.scopeCount,
      points: g.points.map(point),
      excluded: g.excluded.map(exclusion),
    })),
  };
}

function toScalingPoint(p: ScalingPointResult, subject: (s: Subject) => AnalysisSubject): ScalingPoint {
  return { subject: subject(p.subject), accuracy: p.accuracy, costs: p.costs };
}

function toScalingStep(
  step: ScalingStepResult,
  keys: string[],
  subject: (s: Subject) => AnalysisSubject,
): ScalingStep {
  return {
    kind: step.kind,
    to: toScalingPoint(step.to, subject),
    accuracyGain: step.accuracyGain,
    costRatios: step.costRatios.map((ratio, j) => ({ metric: keys[j], ratio })),
  };
}
