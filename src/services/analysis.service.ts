import { bestPerGroup } from "../analysis/best-per-group.js";
import type { CorrelationMethod } from "../analysis/correlation.js";
import { correlationMatrix } from "../analysis/correlation-matrix.js";
import { frontOrder } from "../analysis/front-order.js";
import { directionOf, type Objective } from "../analysis/objective.js";
import { paretoAnalysis } from "../analysis/pareto-analysis.js";
import { type ScalingVerdict, scalingSteps } from "../analysis/scaling-steps.js";
import type { DeviceRow, MetricRow } from "../db/schema/index.js";
import { BadUserInputError } from "../errors/index.js";
import { findModel, resolutionProblem } from "../measure/zoo/registry.js";
import type { CatalogService } from "./catalog.service.js";
import type {
  MetricConstraint,
  Subject,
  SubjectFilter,
  SubjectLevel,
  SubjectQueryService,
} from "./subject-query.js";
import { unique } from "./unique.js";

/** Which way an objective improves, as the catalogue spells it. */
export type ObjectiveDirection = "HIGHER" | "LOWER";

/** One objective of a front: a metric and, optionally, a direction other than the catalogue's. */
export interface ObjectiveSpec {
  metric: string;
  direction?: ObjectiveDirection | null;
}

/** Which subjects an analysis ranges over. Every part given must hold (lists are intersected). */
export interface AnalysisScope {
  /** Constraints on any metric, e.g. accuracyTop1 GTE 0.8 and inferenceMemoryB1 LTE 1e9. */
  where?: readonly MetricConstraint[] | null;
  /** The data service's general filter (names, families, ...). */
  filter?: SubjectFilter | null;
  resolution?: number | null;
  pretrainResolution?: number | null;
  taxonomy?: readonly string[] | null;
  /** Device id or name whose per-device figures to use; omitted = the paper's figures (its A100s). */
  device?: string | null;
  /** Paper runs (default) or model@resolution rows. */
  level?: SubjectLevel | null;
}

/** What a front may be split by (the data service's aggregate groupings). */
export type FrontGroupBy = "TAXONOMY_CLASS" | "FAMILY" | "RESOLUTION" | "CHANGES_WHAT";

/** A light reference to a subject: enough to name it. */
export interface SubjectRef {
  /** `run:<id>` or `model:<modelId>@<resolution>`. */
  key: string;
  runId: number | null;
  modelName: string;
  resolution: number;
  pretrainResolution: number | null;
}

/** How far a point is from the front along one objective (see src/analysis/pareto-gap.ts). */
export interface GapEntry {
  metric: string;
  gap: number | null;
  target: number;
  strict: boolean;
  blocker: Subject | null;
}

export interface FrontPoint {
  ref: SubjectRef;
  subject: Subject;
  group: string | null;
  values: number[];
  rank: number;
  optimal: boolean;
  dominators: Subject[];
  gap: GapEntry[] | null;
}

/** Subjects left out of a front because they miss the same objectives. */
export interface Exclusion {
  count: number;
  reason: string;
  missing: string[];
  subjects: Subject[];
}

export interface FrontGroup {
  key: string | null;
  scopeCount: number;
  points: FrontPoint[];
  excluded: Exclusion[];
}

export interface ResolvedObjective {
  metric: MetricRow;
  direction: ObjectiveDirection;
  /** The best value the objective can reach, used to bound gaps (1 for fractions maximised, 0 for costs). */
  bound: number | null;
}

export interface FrontResult {
  objectives: ResolvedObjective[];
  device: DeviceRow | null;
  level: SubjectLevel;
  groupBy: FrontGroupBy | null;
  scopeCount: number;
  groups: FrontGroup[];
  points: FrontPoint[];
  /** The optimal points of every group (not narrowed by `focus`). */
  front: FrontPoint[];
  excluded: Exclusion[];
}

export interface CorrelationPairResult {
  a: string;
  b: string;
  r: number | null;
  n: number;
}

export interface CorrelationResult {
  method: CorrelationMethod;
  metrics: string[];
  level: SubjectLevel;
  device: DeviceRow | null;
  scopeCount: number;
  r: Array<Array<number | null>>;
  n: number[][];
  /** Off-diagonal pairs, strongest |r| first (undefined r last). */
  pairs: CorrelationPairResult[];
}

export interface ScalingPointResult {
  ref: SubjectRef;
  subject: Subject;
  accuracy: number | null;
  costs: Array<number | null>;
}

export interface ScalingStepResult {
  kind: "SIZE" | "RESOLUTION";
  to: ScalingPointResult;
  accuracyGain: number | null;
  costRatios: Array<number | null>;
}

export interface ScalingComparisonResult {
  from: ScalingPointResult;
  sizeStep: ScalingStepResult | null;
  resolutionStep: ScalingStepResult | null;
  verdicts: Array<ScalingVerdict | null>;
}

export interface ScalingSummaryRow {
  metric: string;
  size: number;
  resolution: number;
  tradeOff: number;
  equal: number;
}

export interface ScalingResult {
  fromResolution: number;
  toResolution: number;
  pretrainResolution: number;
  accuracyMetric: string;
  costMetrics: MetricRow[];
  device: DeviceRow | null;
  comparisons: ScalingComparisonResult[];
  summary: ScalingSummaryRow[];
}

export type RecommendationConstraint = "SPEED" | "MEMORY";
export type RecommendationStage = "INFERENCE" | "TRAINING";

export interface ClassRecommendation {
  taxonomyClass: string;
  bestRank: number;
  onFront: boolean;
  points: FrontPoint[];
}

export interface RecommendationResult {
  constraint: RecommendationConstraint;
  stage: RecommendationStage;
  accuracyMetric: string;
  costMetric: MetricRow;
  front: FrontResult;
  classes: ClassRecommendation[];
}

export interface CoverageCellResult {
  modelName: string;
  modelId: number;
  resolution: number;
  metric: string;
  exists: boolean;
  value: number | null;
  source: "paper" | "measured" | null;
}

export interface CoverageMetricRow {
  metric: string;
  present: number;
  missing: number;
}

export interface CoverageResult {
  device: DeviceRow | null;
  metrics: string[];
  total: number;
  present: number;
  missing: number;
  byMetric: CoverageMetricRow[];
  cells: CoverageCellResult[];
}

/**
 * The metric each branch of the paper's decision (Fig. 6: main constraint, then inference or training) is judged
 * by, against top-1 accuracy. Training memory is the total over the run's GPUs because the runs used 4 or 8 GPUs
 * at the same global batch; inference memory is at batch size 1 (the deployment case, and the figure on which
 * the paper's hybrid attention-CNN models lead).
 */
export const RECOMMENDATION_METRICS: Record<RecommendationConstraint, Record<RecommendationStage, string>> = {
  SPEED: { INFERENCE: "throughput", TRAINING: "fineTuneTime" },
  MEMORY: { INFERENCE: "inferenceMemoryB1", TRAINING: "trainingMemoryTotal" },
};

/**
 * Metrics of a correlation matrix unless the caller names others: one per quantity. Variants of a quantity
 * (top-5 accuracy, MACs, memory at other batch sizes, single-GPU training memory) correlate trivially with these.
 */
export const DEFAULT_CORRELATION_METRICS = [
  "accuracyTop1",
  "params",
  "flops",
  "throughput",
  "inferenceMemoryB1",
  "trainingMemoryTotal",
  "fineTuneTime",
];

/** Cost metrics of a scaling answer unless the caller names others. */
export const DEFAULT_SCALING_COSTS = [
  "throughput",
  "flops",
  "inferenceMemoryB1",
  "trainingMemoryTotal",
  "fineTuneTime",
];

const ACCURACY = "accuracyTop1";

/** Where coverage places a model without any figure: the first of these its graph builds (HaloNet needs 256). */
const UNMEASURED_RESOLUTIONS = [224, 256, 384];

/**
 * The paper's analyses as use cases over the data service's subjects: Pareto fronts of any metrics (ranks,
 * dominators, gaps, exclusions), correlation matrices, the larger-model-or-higher-resolution comparison, the
 * constraint/stage recommendations and the coverage of a device. All computation is in src/analysis; this class
 * picks the subjects (through SubjectQueryService, so filters and their errors are the API's own) and names things.
 */
export class AnalysisService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly subjects: SubjectQueryService,
  ) {}

  /**
   * Returns the Pareto analysis of `objectives` over the subjects in scope, optionally per group: every point
   * with its values, rank, optimal flag, dominators and per-objective gap, and the subjects left out for missing
   * figures with the reason. With `focus` (model names or benchmark ids) only those models' points are returned,
   * ranked against the whole scope ("what beats my model, and by how much"); `front` stays complete.
   * BAD_USER_INPUT for no objectives, a repeated or unknown metric or model, or a bad scope.
   */
  async paretoFront(
    objectives: readonly ObjectiveSpec[],
    scope: AnalysisScope,
    groupBy?: FrontGroupBy | null,
    focus?: readonly string[] | null,
  ): Promise<FrontResult> {
    if (objectives.length === 0)
      throw new BadUserInputError("paretoFront needs at least one objective", { objectives: [] });
    const resolved = await this.resolveObjectives(objectives);
    const focusIds =
      focus == null
        ? null
        : new Set((await Promise.all(focus.map((name) => this.catalog.model(name)))).map((m) => m.id));
    const { subjects, device, level } = await this.load(scope);
    const result = this.front(resolved, subjects, device, level, groupBy ?? null);
    if (!focusIds) return result;
    const keep = (p: FrontPoint) => focusIds.has(p.subject.model.id);
    return {
      ...result,
      front: result.front,
      points: result.points.filter(keep),
      groups: result.groups.map((g) => ({ ...g, points: g.points.filter(keep) })),
    };
  }

  /**
   * Returns the correlation of every pair of `metrics` (default: DEFAULT_CORRELATION_METRICS) over the subjects in scope,
   * each cell with its own n (subjects having both figures), and the pairs ordered by |r|.
   */
  async correlations(
    metricKeys: readonly string[] | null | undefined,
    method: CorrelationMethod,
    scope: AnalysisScope,
  ): Promise<CorrelationResult> {
    const metrics = await Promise.all(
      unique(metricKeys?.length ? metricKeys : DEFAULT_CORRELATION_METRICS, "metric").map((key) =>
        this.catalog.metric(key),
      ),
    );
    const { subjects, device, level } = await this.load(scope);
    const columns = metrics.map((m) => subjects.map((s) => s.values.get(m.key)?.value ?? null));
    const matrix = correlationMatrix(columns, method);
    const pairs: CorrelationPairResult[] = [];
    for (let a = 0; a < metrics.length; a++) {
      for (let b = a + 1; b < metrics.length; b++)
        pairs.push({ a: metrics[a].key, b: metrics[b].key, ...matrix[a][b] });
    }
    pairs.sort((x, y) => {
      if (x.r === null || y.r === null) return (x.r === null ? 1 : 0) - (y.r === null ? 1 : 0);
      return Math.abs(y.r) - Math.abs(x.r);
    });
    return {
      method,
      metrics: metrics.map((m) => m.key),
      level,
      device,
      scopeCount: subjects.length,
      r: matrix.map((row) => row.map((c) => c.r)),
      n: matrix.map((row) => row.map((c) => c.n)),
      pairs,
    };
  }

  /**
   * Returns the paper's "larger model or higher resolution?" comparison: for every model with a run at
   * `fromResolution` (pre-trained at `pretrainResolution`), the step to the next larger size of its family at the
   * same resolution and the step to `toResolution`, with accuracy gain and cost ratios, and which step ends on the
   * Pareto-better point per cost metric. Duplicate runs of a configuration are resolved like model@resolution
   * rows: the run with the highest top-1 accuracy (ties: lowest id). Sizes are ordered by parameter count.
   */
  async scaling(options: {
    fromResolution: number;
    toResolution: number;
    pretrainResolution: number;
    costs?: readonly string[] | null;
    device?: string | null;
    filter?: SubjectFilter | null;
  }): Promise<ScalingResult> {
    const { fromResolution, toResolution, pretrainResolution } = options;
    if (fromResolution === toResolution) {
      throw new BadUserInputError(`scaling needs two different resolutions, got ${fromResolution} twice`, {
        toResolution,
      });
    }
    const costMetrics = await Promise.all(
      unique(options.costs?.length ? options.costs : DEFAULT_SCALING_COSTS, "cost metric").map((k) =>
        this.catalog.metric(k),
      ),
    );
    await this.catalog.metric(ACCURACY);
    const { subjects, device } = await this.load({
      filter: options.filter,
      device: options.device,
      level: "run",
      pretrainResolution,
      filterResolutions: [fromResolution, toResolution],
    });
    // One run per configuration, picked by the duplicate-run rule (src/db/queries/subjects.ts) among these runs;
    // a configuration keeps its first place in `subjects`.
    const picked = await this.subjects.representativeRunIds(subjects.map((s) => s.run!.id));
    const best = new Map<string, Subject>();
    for (const s of subjects) {
      const key = `${s.model.id}@${s.resolution}`;
      if (!best.has(key) || picked.has(s.run!.id)) best.set(key, s);
    }
    const chosen = [...best.values()];
    const costObjectives: Objective[] = costMetrics.map((m) => ({
      direction: directionOf(m.direction),
    }));
    const comparisons = scalingSteps(
      chosen.map((s, id) => ({
        id,
        model: String(s.model.id),
        family: s.model.family,
        size: s.model.size,
        resolution: s.resolution,
        sizeOrder: s.values.get("params")?.value ?? null,
        accuracy: s.values.get(ACCURACY)?.value ?? null,
        costs: costMetrics.map((m) => s.values.get(m.key)?.value ?? null),
      })),
      costObjectives,
      fromResolution,
      toResolution,
    );
    const point = (id: number): ScalingPointResult => {
      const s = chosen[id];
      return {
        ref: refOf(s),
        subject: s,
        accuracy: s.values.get(ACCURACY)?.value ?? null,
        costs: costMetrics.map((m) => s.values.get(m.key)?.value ?? null),
      };
    };
    const results = comparisons.map((c) => ({
      from: point(c.from),
      sizeStep: c.sizeStep && {
        kind: c.sizeStep.kind,
        to: point(c.sizeStep.to),
        accuracyGain: c.sizeStep.accuracyGain,
        costRatios: [...c.sizeStep.costRatios],
      },
      resolutionStep: c.resolutionStep && {
        kind: c.resolutionStep.kind,
        to: point(c.resolutionStep.to),
        accuracyGain: c.resolutionStep.accuracyGain,
        costRatios: [...c.resolutionStep.costRatios],
      },
      verdicts: [...c.verdicts],
    }));
    const summary = costMetrics.map((m, j) => {
      const count = (v: ScalingVerdict) => results.filter((r) => r.verdicts[j] === v).length;
      return {
        metric: m.key,
        size: count("SIZE"),
        resolution: count("RESOLUTION"),
        tradeOff: count("TRADE_OFF"),
        equal: count("EQUAL"),
      };
    });
    return {
      fromResolution,
      toResolution,
      pretrainResolution,
      accuracyMetric: ACCURACY,
      costMetrics,
      device,
      comparisons: results,
      summary,
    };
  }

  /**
   * Returns the paper's Fig. 6 decision computed from the data: the front of top-1 accuracy against the metric of
   * the chosen constraint and stage (RECOMMENDATION_METRICS, or `costMetric`), and for each taxonomy class its
   * best points on it (rank 1 when the class has models on the overall front), best classes first.
   */
  async recommendations(
    constraint: RecommendationConstraint,
    stage: RecommendationStage,
    scope: AnalysisScope,
    costMetric?: string | null,
  ): Promise<RecommendationResult> {
    const costKey = costMetric ?? RECOMMENDATION_METRICS[constraint]?.[stage];
    if (!costKey)
      throw new BadUserInputError(`Unknown constraint/stage ${constraint}/${stage}`, { constraint, stage });
    const front = await this.paretoFront([{ metric: ACCURACY }, { metric: costKey }], scope, null);
    const points = front.points;
    const classes = bestPerGroup(points.map((p) => ({ group: p.subject.model.taxonomyClass, rank: p.rank })))
      .map((g) => ({
        taxonomyClass: g.group,
        bestRank: g.rank,
        onFront: g.rank === 1,
        points: g.members.map((i) => points[i]).sort((a, b) => b.values[0] - a.values[0]),
      }))
      .sort((a, b) => a.bestRank - b.bestRank || a.taxonomyClass.localeCompare(b.taxonomyClass));
    return {
      constraint,
      stage,
      accuracyMetric: ACCURACY,
      costMetric: front.objectives[1].metric,
      front,
      classes,
    };
  }

  /**
   * Returns which model × resolution × metric cells have a figure for `device` (omitted: the paper's figures) and
   * which are missing, over every model@resolution Favor knows (paper runs and measured pairs; a catalogue model
   * without any figure at UNMEASURED_RESOLUTIONS' first it builds). Device-independent
   * metrics count as present when the paper (or a measurement) has them, whatever the device.
   */
  async coverage(
    deviceArg: string | null | undefined,
    metricKeys?: readonly string[] | null,
    onlyMissing = false,
  ): Promise<CoverageResult> {
    const metrics = metricKeys?.length
      ? await Promise.all(unique(metricKeys, "metric").map((key) => this.catalog.metric(key)))
      : await this.catalog.listMetrics();
    const { subjects, device } = await this.load({ device: deviceArg, level: "modelResolution" });
    const all: CoverageCellResult[] = [];
    for (const s of subjects) {
      for (const m of metrics) {
        const cell = s.values.get(m.key);
        all.push({
          modelName: s.model.name,
          modelId: s.model.id,
          resolution: s.resolution,
          metric: m.key,
          exists: cell !== undefined,
          value: cell?.value ?? null,
          source: cell?.source ?? null,
        });
      }
    }
    // A catalogue model nobody has a figure for yet (the zoo's architectures without paper runs) has no
    // model@resolution row: list all its cells as missing at the first of the paper's resolutions its graph builds.
    const covered = new Set(subjects.map((s) => s.model.id));
    for (const model of (await this.catalog.vocabulary()).models) {
      if (covered.has(model.id)) continue;
      const zoo = findModel(model.sourceId) ?? findModel(model.name);
      const resolution = zoo && UNMEASURED_RESOLUTIONS.find((r) => resolutionProblem(zoo, r) === null);
      if (resolution === undefined) continue;
      for (const m of metrics)
        all.push({
          modelName: model.name,
          modelId: model.id,
          resolution,
          metric: m.key,
          exists: false,
          value: null,
          source: null,
        });
    }
    const present = all.filter((c) => c.exists).length;
    return {
      device,
      metrics: metrics.map((m) => m.key),
      total: all.length,
      present,
      missing: all.length - present,
      byMetric: metrics.map((m) => {
        const mine = all.filter((c) => c.metric === m.key);
        const have = mine.filter((c) => c.exists).length;
        return { metric: m.key, present: have, missing: mine.length - have };
      }),
      cells: onlyMissing ? all.filter((c) => !c.exists) : all,
    };
  }

  private async resolveObjectives(objectives: readonly ObjectiveSpec[]): Promise<ResolvedObjective[]> {
    unique(
      objectives.map((o) => o.metric),
      "objective metric",
    );
    return Promise.all(
      objectives.map(async (o) => {
        const metric = await this.catalog.metric(o.metric);
        const direction = o.direction ?? (metric.direction as ObjectiveDirection);
        if (direction !== "HIGHER" && direction !== "LOWER") {
          throw new BadUserInputError(
            `Objective "${o.metric}": direction must be HIGHER or LOWER, got "${String(direction)}"`,
            {
              metric: o.metric,
            },
          );
        }
        // Figures are non-negative; accuracies are fractions. These bound how far a gap may ask a point to go.
        const bound = direction === "LOWER" ? 0 : metric.unit === "fraction" ? 1 : null;
        return { metric, direction, bound };
      }),
    );
  }

  private front(
    objectives: ResolvedObjective[],
    subjects: Subject[],
    device: DeviceRow | null,
    level: SubjectLevel,
    groupBy: FrontGroupBy | null,
  ): FrontResult {
    const groupsByKey = new Map<string | null, Subject[]>();
    for (const s of subjects) {
      const key = groupBy ? groupKey(s, groupBy) : null;
      const list = groupsByKey.get(key);
      if (list) list.push(s);
      else groupsByKey.set(key, [s]);
    }
    const keys = [...groupsByKey.keys()].sort((a, b) =>
      groupBy === "RESOLUTION" ? Number(a) - Number(b) : String(a).localeCompare(String(b)),
    );
    const analysisObjectives: Objective[] = objectives.map((o) => ({
      direction: directionOf(o.direction),
      ...(o.bound === null ? {} : { bound: o.bound }),
    }));
    const groups = keys.map((key) => {
      const members = groupsByKey.get(key)!;
      const rows = members.map((s) => objectives.map((o) => s.values.get(o.metric.key)?.value ?? null));
      const analysis = paretoAnalysis(rows, analysisObjectives);
      const refs = members.map(refOf);
      const order = frontOrder(
        analysis.points.map((p) => p.values),
        analysis.points.map((p) => p.rank),
        analysisObjectives,
      );
      const points: FrontPoint[] = order
        .map((i) => analysis.points[i])
        .map((p) => ({
          ref: refs[p.index],
          subject: members[p.index],
          group: key,
          values: [...p.values],
          rank: p.rank,
          optimal: p.optimal,
          dominators: p.dominators.map((d) => members[d]),
          gap:
            p.gap?.map((g, j) => ({
              metric: objectives[j].metric.key,
              gap: g.gap,
              target: g.target,
              strict: g.strict,
              blocker: g.blocker === null ? null : members[g.blocker],
            })) ?? null,
        }));
      const exclusions = new Map<string, Exclusion>();
      for (const e of analysis.excluded) {
        const missing = e.missing.map((j) => objectives[j].metric.key);
        const reason = `missing ${missing.join(" and ")}${device && e.missing.some((j) => objectives[j].metric.perDevice) ? ` on device ${device.name}` : ""}`;
        const entry = exclusions.get(reason) ?? { count: 0, reason, missing, subjects: [] };
        entry.count++;
        entry.subjects.push(members[e.index]);
        exclusions.set(reason, entry);
      }
      return { key, scopeCount: members.length, points, excluded: [...exclusions.values()] };
    });
    const excluded = new Map<string, Exclusion>();
    for (const g of groups) {
      for (const e of g.excluded) {
        const entry = excluded.get(e.reason);
        if (entry) {
          entry.count += e.count;
          entry.subjects.push(...e.subjects);
        } else excluded.set(e.reason, { ...e, subjects: [...e.subjects] });
      }
    }
    return {
      objectives,
      device,
      level,
      groupBy,
      scopeCount: subjects.length,
      groups,
      points: groups.flatMap((g) => g.points),
      front: groups.flatMap((g) => g.points.filter((p) => p.optimal)),
      excluded: [...excluded.values()],
    };
  }

  /** Loads every subject in scope with its figures, validating the scope through the data service. */
  private async load(
    scope: AnalysisScope & { filterResolutions?: number[] },
  ): Promise<{ subjects: Subject[]; device: DeviceRow | null; level: SubjectLevel }> {
    const device = scope.device == null ? null : await this.catalog.device(scope.device);
    const level = scope.level ?? "run";
    const base = scope.filter ?? {};
    const filter: SubjectFilter = {
      ...base,
      resolutions: intersect(
        intersect(base.resolutions, scope.resolution == null ? null : [scope.resolution]),
        scope.filterResolutions ?? null,
      ),
      pretrainResolutions: intersect(
        base.pretrainResolutions,
        scope.pretrainResolution == null ? null : [scope.pretrainResolution],
      ),
      taxonomyClasses: intersect(base.taxonomyClasses, scope.taxonomy ?? null),
      metrics: [...(base.metrics ?? []), ...(scope.where ?? [])],
    };
    const { subjects } = await this.subjects.find({ level, filter, deviceId: device?.id ?? null });
    return { subjects, device, level };
  }
}

/** Returns the subject's reference (key, run, model, resolutions). */
export function refOf(s: Subject): SubjectRef {
  return {
    key: s.level === "run" && s.run ? `run:${s.run.id}` : `model:${s.model.id}@${s.resolution}`,
    runId: s.run?.id ?? null,
    modelName: s.model.name,
    resolution: s.resolution,
    pretrainResolution: s.run?.pretrainResolution ?? null,
  };
}

function groupKey(s: Subject, groupBy: FrontGroupBy): string {
  switch (groupBy) {
    case "TAXONOMY_CLASS":
      return s.model.taxonomyClass;
    case "FAMILY":
      return s.model.family;
    case "RESOLUTION":
      return String(s.resolution);
    case "CHANGES_WHAT":
      return s.model.changesWhat;
    default:
      throw new BadUserInputError(`Unknown groupBy "${String(groupBy)}"`, { groupBy });
  }
}

function intersect<T>(a: readonly T[] | null | undefined, b: readonly T[] | null | undefined): T[] | null {
  if (a == null) return b == null ? null : [...b];
  if (b == null) return [...a];
  return a.filter((v) => b.includes(v));
}
