import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cells, devices, models } from "../../src/db/schema/index.js";
import type { SeedMetricKey, SeedRun } from "../../src/db/seed-file.js";
import { findModel, resolutionProblem } from "../../src/measure/zoo/registry.js";
import { MODELS, runKey, SEED } from "../helpers/seed-fixture.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

// Every expected answer below is computed here from the committed seed file with plain O(n²) loops, independent
// of src/analysis.

const modelOf = new Map(MODELS.models.map((m) => [m.sourceId, m]));
const nameOf = (run: SeedRun) => modelOf.get(run.sourceModelId)!.name;
// Catalogue models without any paper run (the zoo's own architectures): coverage lists them at the first of the
// paper's resolutions their graph builds, every metric missing.
const WITH_RUNS = new Set(SEED.runs.map((r) => r.sourceModelId));
const UNMEASURED = MODELS.models
  .filter((m) => !WITH_RUNS.has(m.sourceId))
  .map((m) => {
    const zoo = findModel(m.sourceId)!;
    return { name: m.name, resolution: [224, 256, 384].find((r) => resolutionProblem(zoo, r) === null)! };
  });
const classOf = (run: SeedRun) => modelOf.get(run.sourceModelId)!.taxonomyClass;

type Dir = "HIGHER" | "LOWER";
type Obj = { metric: SeedMetricKey; dir: Dir };

function value(run: SeedRun, key: SeedMetricKey): number | undefined {
  return run.metrics[key];
}

function beats(a: SeedRun, b: SeedRun, objectives: Obj[]): boolean {
  let strictly = false;
  for (const { metric, dir } of objectives) {
    const x = value(a, metric)!;
    const y = value(b, metric)!;
    if (dir === "HIGHER" ? x < y : x > y) return false;
    if (x !== y) strictly = true;
  }
  return strictly;
}

/** Brute force: runs with every objective, their rank by peeling, and their dominators. */
function expectedFront(runs: SeedRun[], objectives: Obj[]) {
  const complete = runs.filter((r) => objectives.every((o) => value(r, o.metric) !== undefined));
  const rank = new Map<SeedRun, number>();
  let left = complete;
  for (let k = 1; left.length; k++) {
    const front = left.filter((p) => !left.some((q) => beats(q, p, objectives)));
    for (const p of front) rank.set(p, k);
    left = left.filter((p) => !rank.has(p));
  }
  const dominators = new Map(complete.map((p) => [p, complete.filter((q) => beats(q, p, objectives))]));
  return { complete, excluded: runs.length - complete.length, rank, dominators };
}

/** The model@resolution rule: per (model, resolution) the run with the highest top-1 accuracy (first on ties). */
function modelResolutionRows(runs: SeedRun[]): SeedRun[] {
  const best = new Map<string, SeedRun>();
  for (const run of runs) {
    const key = `${run.sourceModelId}@${run.resolution}`;
    const other = best.get(key);
    if (!other || (run.metrics.accuracyTop1 ?? -1) > (other.metrics.accuracyTop1 ?? -1)) best.set(key, run);
  }
  return [...best.values()];
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function ranks(v: number[]): number[] {
  return v.map((a) => v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
}

function pairsOf(a: SeedMetricKey, b: SeedMetricKey, runs: SeedRun[]): [number[], number[]] {
  const both = runs.filter((r) => value(r, a) !== undefined && value(r, b) !== undefined);
  return [both.map((r) => value(r, a)!), both.map((r) => value(r, b)!)];
}

const POINT = `runId rank optimal values group
  subject { key runId resolution pretrainResolution model { name taxonomyClass } run { runName runDate } }
  dominators { key }
  gap { metric gap target strict blocker { key } }`;

const FRONT = `query($objectives: [ObjectiveInput!]!, $where: [MetricConstraintInput!], $resolution: Int, $pretrainResolution: Int,
  $taxonomy: [String!], $device: ID, $groupBy: AggregateGroupBy, $level: SubjectLevel) {
  paretoFront(objectives: $objectives, where: $where, resolution: $resolution, pretrainResolution: $pretrainResolution,
    taxonomy: $taxonomy, device: $device, groupBy: $groupBy, level: $level) {
    objectives { metric { key } direction bound }
    device { name } level scopeCount
    points { ${POINT} }
    front { runId }
    excluded { count reason missing subjects { key } }
    groups { key scopeCount points { runId rank optimal } excluded { count reason } }
  }
}`;

describe.each(BACKENDS)("analysis queries over HTTP (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend)));
  afterAll(() => api?.stop());

  const badInput = async (query: string, variables: Record<string, unknown>, message: RegExp) => {
    const result = await api.graphql(query, variables);
    expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
  };
  const front = async (variables: Record<string, unknown>) => (await api.data(FRONT, variables)).paretoFront;
  const byKey = new Map(SEED.runs.map((r) => [runKey(r), r]));
  const seedRunOf = (point: { subject: { run: { runName: string; runDate: string } } }) =>
    byKey.get(runKey(point.subject.run))!;

  describe("paretoFront", () => {
    it("finds the throughput vs accuracy front at 224 px, with ViT-Ti/16, ViT-S/16 and ViT-B/16 on it", async () => {
      const objectives: Obj[] = [
        { metric: "accuracyTop1", dir: "HIGHER" },
        { metric: "throughput", dir: "HIGHER" },
      ];
      const runs = SEED.runs.filter((r) => r.resolution === 224);
      const expected = expectedFront(runs, objectives);
      const result = await front({
        objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }],
        resolution: 224,
      });

      expect(result.objectives).toEqual([
        { metric: { key: "accuracyTop1" }, direction: "HIGHER", bound: 1 },
        { metric: { key: "throughput" }, direction: "HIGHER", bound: null },
      ]);
      expect(result).toMatchObject({ device: null, level: "RUN", scopeCount: runs.length, excluded: [] });
      expect(result.points).toHaveLength(runs.length);
      for (const point of result.points) {
        const run = seedRunOf(point);
        expect(point.rank, nameOf(run)).toBe(expected.rank.get(run));
        expect(point.optimal).toBe(expected.rank.get(run) === 1);
        expect(point.values).toEqual([run.metrics.accuracyTop1, run.metrics.throughput]);
        expect(point.dominators).toHaveLength(expected.dominators.get(run)!.length);
      }
      const optimalNames = new Set(
        result.front.map((p: { runId: number }) => result.points.find((q: any) => q.runId === p.runId)),
      );
      const names = [...optimalNames].map((p: any) => p.subject.model.name);
      expect(names).toEqual(expect.arrayContaining(["ViT-Ti/16", "ViT-S/16", "ViT-B/16"]));
      expect(result.front).toHaveLength([...expected.rank.values()].filter((r) => r === 1).length);
      // In order along the front: the most accurate first, each next point less accurate and faster.
      const along = result.front.map(
        (p: { runId: number }) => result.points.find((q: any) => q.runId === p.runId).values,
      );
      for (let i = 1; i < along.length; i++) {
        expect(along[i][0]).toBeLessThanOrEqual(along[i - 1][0]);
        expect(along[i][1]).toBeGreaterThanOrEqual(along[i - 1][1]);
      }
      const ranks = result.points.map((p: { rank: number }) => p.rank);
      expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    });

    it("names every dominator and gives exact single-objective gaps", async () => {
      const objectives: Obj[] = [
        { metric: "accuracyTop1", dir: "HIGHER" },
        { metric: "throughput", dir: "HIGHER" },
      ];
      const runs = SEED.runs.filter((r) => r.resolution === 224 && r.pretrainResolution === 224);
      const result = await front({
        objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }],
        resolution: 224,
        pretrainResolution: 224,
      });
      const keyOf = new Map(result.points.map((p: any) => [seedRunOf(p), p.subject.key]));
      const expected = expectedFront(runs, objectives);
      for (const point of result.points) {
        const run = seedRunOf(point);
        const dominators = expected.dominators.get(run)!;
        expect(point.dominators.map((d: { key: string }) => d.key).sort()).toEqual(
          dominators.map((d) => keyOf.get(d)).sort(),
        );
        if (point.optimal) {
          expect(point.gap).toBeNull();
          continue;
        }
        // Accuracy alone: reach the best accuracy among runs at least as fast.
        const faster = runs.filter((q) => q !== run && q.metrics.throughput! >= run.metrics.throughput!);
        const bestAccuracy = Math.max(...faster.map((q) => q.metrics.accuracyTop1!));
        const [accuracyGap, throughputGap] = point.gap;
        expect(accuracyGap.target).toBe(bestAccuracy);
        expect(accuracyGap.gap).toBeCloseTo(bestAccuracy - run.metrics.accuracyTop1!, 12);
        // Throughput alone: reach the best throughput among runs at least as accurate.
        const better = runs.filter((q) => q !== run && q.metrics.accuracyTop1! >= run.metrics.accuracyTop1!);
        const bestThroughput = Math.max(...better.map((q) => q.metrics.throughput!));
        expect(throughputGap.target).toBe(bestThroughput);
        expect(throughputGap.gap).toBeCloseTo(bestThroughput - run.metrics.throughput!, 6);
        expect(throughputGap.blocker.key).toBe(
          keyOf.get(better.find((q) => q.metrics.throughput === bestThroughput)!),
        );
      }
    });

    it("answers what beats a given model and by how much (focus)", async () => {
      const objectives: Obj[] = [
        { metric: "accuracyTop1", dir: "HIGHER" },
        { metric: "throughput", dir: "HIGHER" },
      ];
      const runs = SEED.runs.filter((r) => r.resolution === 224);
      const expected = expectedFront(runs, objectives);
      const result = await api.data(
        `query($focus: [String!]) { paretoFront(objectives: [{metric: "accuracyTop1"}, {metric: "throughput"}], resolution: 224, focus: $focus) {
          front { runId } points { rank optimal subject { model { name } run { runName runDate } } dominators { model { name } run { runName runDate } } gap { metric gap } }
        } }`,
        { focus: ["deit_small_patch16_LS"] },
      );
      const { points, front: optimal } = result.paretoFront;
      const deit = runs.filter((r) => nameOf(r) === "DeiT-S (LS)");
      expect(points).toHaveLength(deit.length);
      expect(optimal).toHaveLength([...expected.rank.values()].filter((r) => r === 1).length);
      for (const point of points) {
        const run = seedRunOf(point);
        expect(point.rank).toBe(expected.rank.get(run));
        expect(point.dominators.map((d: any) => runKey(d.run)).sort()).toEqual(
          expected.dominators.get(run)!.map(runKey).sort(),
        );
        if (!point.optimal)
          expect(point.gap.map((g: any) => g.metric)).toEqual(["accuracyTop1", "throughput"]);
      }
      await badInput(
        FRONT.replace("level: $level)", 'level: $level, focus: ["Nobody"])'),
        { objectives: [{ metric: "params" }] },
        /Unknown model "Nobody"/,
      );
    });

    it("excludes runs missing an objective and says why", async () => {
      const result = await front({
        objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }],
        resolution: 384,
      });
      const runs = SEED.runs.filter((r) => r.resolution === 384);
      const missing = runs.filter((r) => r.metrics.throughput === undefined);
      expect(missing.length).toBeGreaterThan(0);
      expect(result.scopeCount).toBe(runs.length);
      expect(result.points).toHaveLength(runs.length - missing.length);
      expect(result.excluded).toHaveLength(1);
      expect(result.excluded[0]).toMatchObject({
        count: missing.length,
        reason: "missing throughput",
        missing: ["throughput"],
      });
    });

    it("applies metric constraints and taxonomy scope", async () => {
      const where = [
        { metric: "accuracyTop1", op: "GTE", value: 0.8 },
        { metric: "inferenceMemoryB1", op: "LTE", value: 1e9 },
      ];
      const result = await front({
        objectives: [{ metric: "accuracyTop1" }, { metric: "inferenceMemoryB1" }],
        where,
        resolution: 224,
      });
      const inScope = SEED.runs.filter(
        (r) => r.resolution === 224 && r.metrics.accuracyTop1! >= 0.8 && r.metrics.inferenceMemoryB1! <= 1e9,
      );
      expect(result.scopeCount).toBe(inScope.length);
      const expected = expectedFront(inScope, [
        { metric: "accuracyTop1", dir: "HIGHER" },
        { metric: "inferenceMemoryB1", dir: "LOWER" },
      ]);
      for (const point of result.points) expect(point.rank).toBe(expected.rank.get(seedRunOf(point)));

      const hybrid = await front({
        objectives: [{ metric: "accuracyTop1" }, { metric: "params" }],
        taxonomy: ["Hybrid Attention"],
      });
      expect(hybrid.scopeCount).toBe(SEED.runs.filter((r) => classOf(r) === "Hybrid Attention").length);
    });

    it("computes one front per group and k-D fronts", async () => {
      const objectives: Obj[] = [
        { metric: "accuracyTop1", dir: "HIGHER" },
        { metric: "throughput", dir: "HIGHER" },
        { metric: "params", dir: "LOWER" },
      ];
      const result = await front({
        objectives: objectives.map((o) => ({ metric: o.metric })),
        groupBy: "RESOLUTION",
      });
      const resolutions = [...new Set(SEED.runs.map((r) => r.resolution))].sort((a, b) => a - b);
      expect(result.groups.map((g: { key: string }) => g.key)).toEqual(resolutions.map(String));
      for (const point of result.points) {
        const run = seedRunOf(point);
        const expected = expectedFront(
          SEED.runs.filter((r) => r.resolution === run.resolution),
          objectives,
        );
        expect(point.group).toBe(String(run.resolution));
        expect(point.rank).toBe(expected.rank.get(run));
      }
      expect(result.excluded.reduce((n: number, e: { count: number }) => n + e.count, 0)).toBe(
        SEED.runs.filter((r) => r.metrics.throughput === undefined).length,
      );
    });

    it("lets a direction be overridden", async () => {
      const result = await front({
        objectives: [{ metric: "accuracyTop1", direction: "LOWER" }, { metric: "params" }],
        resolution: 224,
      });
      const expected = expectedFront(
        SEED.runs.filter((r) => r.resolution === 224),
        [
          { metric: "accuracyTop1", dir: "LOWER" },
          { metric: "params", dir: "LOWER" },
        ],
      );
      expect(result.objectives[0]).toMatchObject({ direction: "LOWER", bound: 0 });
      for (const point of result.points) expect(point.rank).toBe(expected.rank.get(seedRunOf(point)));
    });

    it("rejects bad objectives and scopes with messages naming them", async () => {
      await badInput(FRONT, { objectives: [] }, /at least one objective/);
      await badInput(FRONT, { objectives: [{ metric: "speed" }] }, /Unknown metric "speed"/);
      await badInput(
        FRONT,
        { objectives: [{ metric: "params" }, { metric: "params" }] },
        /objective metric "params" is given twice/,
      );
      await badInput(
        FRONT,
        { objectives: [{ metric: "params" }], resolution: 512 },
        /Unknown resolution 512/,
      );
      await badInput(FRONT, { objectives: [{ metric: "params" }], device: "TPU" }, /Unknown device "TPU"/);
      await badInput(
        FRONT,
        { objectives: [{ metric: "params" }], taxonomy: ["Magic"] },
        /Unknown taxonomy class "Magic"/,
      );
    });
  });

  describe("correlations", () => {
    const CORRELATIONS = `query($metrics: [String!], $method: CorrelationMethod, $resolution: Int) {
      correlations(metrics: $metrics, method: $method, resolution: $resolution) {
        method metrics level scopeCount r n pairs { a b r n }
      }
    }`;

    it("shows fine-tuning time vs training memory as the strongest pair, FLOPs vs training memory next", async () => {
      const result = (await api.data(CORRELATIONS, {})).correlations;
      expect(result).toMatchObject({ method: "PEARSON", level: "RUN", scopeCount: SEED.runs.length });
      const [first, second] = result.pairs;
      expect([first.a, first.b].sort()).toEqual(["fineTuneTime", "trainingMemoryTotal"]);
      expect([second.a, second.b].sort()).toEqual(["flops", "trainingMemoryTotal"]);
      const [x, y] = pairsOf("fineTuneTime", "trainingMemoryTotal", SEED.runs);
      expect(first.n).toBe(x.length);
      expect(first.r).toBeCloseTo(pearson(x, y), 10);
      const [f, t] = pairsOf("flops", "trainingMemoryTotal", SEED.runs);
      expect(second.r).toBeCloseTo(pearson(f, t), 10);
      // The matrix is symmetric with n per cell.
      const i = result.metrics.indexOf("throughput");
      const j = result.metrics.indexOf("trainingMemoryTotal");
      expect(result.n[i][j]).toBe(pairsOf("throughput", "trainingMemoryTotal", SEED.runs)[0].length);
      expect(result.r[i][j]).toBe(result.r[j][i]);
    });

    it("computes Spearman with average ranks over the pairs present", async () => {
      const result = (
        await api.data(CORRELATIONS, {
          metrics: ["throughput", "fineTuneTime"],
          method: "SPEARMAN",
          resolution: 224,
        })
      ).correlations;
      const [x, y] = pairsOf(
        "throughput",
        "fineTuneTime",
        SEED.runs.filter((r) => r.resolution === 224),
      );
      expect(result.pairs).toHaveLength(1);
      expect(result.pairs[0].n).toBe(x.length);
      expect(result.pairs[0].r).toBeCloseTo(pearson(ranks(x), ranks(y)), 10);
      expect(result.r[0][0]).toBe(1);
    });

    it("rejects unknown and repeated metrics", async () => {
      await badInput(CORRELATIONS, { metrics: ["params", "nope"] }, /Unknown metric "nope"/);
      await badInput(CORRELATIONS, { metrics: ["params", "params"] }, /metric "params" is given twice/);
    });
  });

  describe("scaling", () => {
    const SCALING = `query($from: Int, $to: Int, $costs: [String!]) {
      scaling(fromResolution: $from, toResolution: $to, costs: $costs) {
        fromResolution toResolution pretrainResolution costMetrics { key }
        comparisons {
          from { subject { model { name } resolution pretrainResolution } accuracy costs }
          sizeStep { kind to { subject { model { name } resolution } } accuracyGain costRatios { metric ratio } }
          resolutionStep { kind to { subject { model { name } resolution pretrainResolution } accuracy } accuracyGain costRatios { metric ratio } }
          verdicts { metric verdict }
        }
        summary { metric size resolution tradeOff equal }
      }
    }`;

    it("answers larger model vs higher resolution for ViT-Ti/S/B and every model with 224 and 384 runs", async () => {
      const result = (await api.data(SCALING, { costs: ["throughput", "trainingMemoryTotal"] })).scaling;
      expect(result).toMatchObject({ fromResolution: 224, toResolution: 384, pretrainResolution: 224 });
      const at = (res: number, pre: number) =>
        modelResolutionRows(SEED.runs.filter((r) => r.resolution === res && r.pretrainResolution === pre));
      const low = new Map(at(224, 224).map((r) => [nameOf(r), r]));
      const high = new Map(at(384, 224).map((r) => [nameOf(r), r]));
      const withBoth = [...low.keys()].filter((name) => high.has(name)).sort();
      const withStep = result.comparisons
        .filter((c: any) => c.resolutionStep)
        .map((c: any) => c.from.subject.model.name)
        .sort();
      expect(withStep).toEqual(withBoth);

      const ti = result.comparisons.find((c: any) => c.from.subject.model.name === "ViT-Ti/16");
      expect(ti.sizeStep.to.subject.model.name).toBe("ViT-S/16");
      expect(ti.resolutionStep.to.subject).toMatchObject({
        model: { name: "ViT-Ti/16" },
        resolution: 384,
        pretrainResolution: 224,
      });
      const tiLow = low.get("ViT-Ti/16")!;
      const tiHigh = high.get("ViT-Ti/16")!;
      const sLow = low.get("ViT-S/16")!;
      expect(ti.resolutionStep.accuracyGain).toBeCloseTo(
        tiHigh.metrics.accuracyTop1! - tiLow.metrics.accuracyTop1!,
        12,
      );
      expect(ti.resolutionStep.costRatios[0]).toEqual({
        metric: "throughput",
        ratio: tiHigh.metrics.throughput! / tiLow.metrics.throughput!,
      });
      // ViT-S/16 @224 is more accurate and faster than ViT-Ti/16 @384: the larger model is Pareto-better.
      expect(
        sLow.metrics.accuracyTop1! > tiHigh.metrics.accuracyTop1! &&
          sLow.metrics.throughput! > tiHigh.metrics.throughput!,
      ).toBe(true);
      expect(ti.verdicts[0]).toEqual({ metric: "throughput", verdict: "SIZE" });

      const s = result.comparisons.find((c: any) => c.from.subject.model.name === "ViT-S/16");
      expect(s.sizeStep.to.subject.model.name).toBe("ViT-B/16");
      const bLow = low.get("ViT-B/16")!;
      const sHigh = high.get("ViT-S/16")!;
      const expectedVerdict =
        bLow.metrics.accuracyTop1! >= sHigh.metrics.accuracyTop1! &&
        bLow.metrics.throughput! >= sHigh.metrics.throughput!
          ? "SIZE"
          : "not SIZE";
      expect(s.verdicts[0].verdict === "SIZE" ? "SIZE" : "not SIZE").toBe(expectedVerdict);
      expect(result.summary[0].metric).toBe("throughput");
      expect(result.summary[0].size).toBeGreaterThanOrEqual(2);
    });

    it("rejects equal resolutions and unknown ones", async () => {
      await badInput(SCALING, { from: 224, to: 224 }, /two different resolutions/);
      await badInput(SCALING, { from: 224, to: 999 }, /Unknown resolution 999/);
    });
  });

  describe("recommendations", () => {
    const RECOMMEND = `query($constraint: RecommendationConstraint!, $stage: RecommendationStage!, $resolution: Int) {
      recommendations(constraint: $constraint, stage: $stage, resolution: $resolution) {
        constraint stage accuracyMetric costMetric { key }
        front { level scopeCount front { subject { model { name } } } }
        classes { taxonomyClass bestRank onFront points { rank subject { model { name taxonomyClass } } } }
      }
    }`;

    it.each([
      ["SPEED", "INFERENCE", "throughput", "HIGHER"],
      ["MEMORY", "INFERENCE", "inferenceMemoryB1", "LOWER"],
      ["SPEED", "TRAINING", "fineTuneTime", "LOWER"],
      ["MEMORY", "TRAINING", "trainingMemoryTotal", "LOWER"],
    ] as const)(
      "%s at %s: each class's best models on the accuracy vs %s front",
      async (constraint, stage, metric, dir) => {
        const result = (await api.data(RECOMMEND, { constraint, stage, resolution: 224 })).recommendations;
        expect(result).toMatchObject({
          constraint,
          stage,
          accuracyMetric: "accuracyTop1",
          costMetric: { key: metric },
        });
        const rows = modelResolutionRows(SEED.runs.filter((r) => r.resolution === 224));
        const expected = expectedFront(rows, [
          { metric: "accuracyTop1", dir: "HIGHER" },
          { metric, dir },
        ]);
        expect(result.front).toMatchObject({ level: "MODEL_RESOLUTION", scopeCount: rows.length });
        const frontNames = [...expected.rank]
          .filter(([, r]) => r === 1)
          .map(([run]) => nameOf(run))
          .sort();
        expect(result.front.front.map((p: any) => p.subject.model.name).sort()).toEqual(frontNames);
        const classes = [...new Set(expected.complete.map(classOf))];
        expect(result.classes.map((c: any) => c.taxonomyClass).sort()).toEqual(classes.sort());
        for (const c of result.classes) {
          const mine = expected.complete.filter((r) => classOf(r) === c.taxonomyClass);
          const best = Math.min(...mine.map((r) => expected.rank.get(r)!));
          expect(c.bestRank, c.taxonomyClass).toBe(best);
          expect(c.onFront).toBe(best === 1);
          expect(c.points.map((p: any) => p.subject.model.name).sort()).toEqual(
            mine
              .filter((r) => expected.rank.get(r) === best)
              .map(nameOf)
              .sort(),
          );
        }
        expect(result.classes.find((c: any) => c.taxonomyClass === "Baseline").bestRank).toBeLessThanOrEqual(
          3,
        );
      },
    );

    it("puts hybrid attention models on the inference-memory front", async () => {
      const result = (
        await api.data(RECOMMEND, { constraint: "MEMORY", stage: "INFERENCE", resolution: 224 })
      ).recommendations;
      expect(result.classes.find((c: any) => c.taxonomyClass === "Hybrid Attention").onFront).toBe(true);
    });
  });

  describe("coverage", () => {
    const COVERAGE = `query($device: ID, $onlyMissing: Boolean) {
      coverage(device: $device, onlyMissing: $onlyMissing) {
        device { name } metrics total present missing byMetric { metric present missing }
        cells { model resolution metric exists value source }
      }
    }`;

    it("lists the paper's cells and the missing ones", async () => {
      const catalogue: string[] = (await api.data("{ metrics { key } }")).metrics.map(
        (m: { key: string }) => m.key,
      );
      const rows = modelResolutionRows(SEED.runs);
      const result = (await api.data(COVERAGE, {})).coverage;
      expect(result.device).toBeNull();
      expect(result.metrics.sort()).toEqual([...catalogue].sort());
      expect(result.total).toBe((rows.length + UNMEASURED.length) * catalogue.length);
      const missing = [
        ...rows.flatMap((r) =>
          catalogue
            .filter((k) => r.metrics[k as SeedMetricKey] === undefined)
            .map((k) => `${nameOf(r)}@${r.resolution}:${k}`),
        ),
        ...UNMEASURED.flatMap((m) => catalogue.map((k) => `${m.name}@${m.resolution}:${k}`)),
      ];
      expect(result.missing).toBe(missing.length);
      const onlyMissing = (await api.data(COVERAGE, { onlyMissing: true })).coverage;
      expect(onlyMissing.cells.map((c: any) => `${c.model}@${c.resolution}:${c.metric}`).sort()).toEqual(
        missing.sort(),
      );
      const vitS = result.cells.find(
        (c: any) => c.model === "ViT-S/16" && c.resolution === 224 && c.metric === "throughput",
      );
      const bestVitS = rows.find((r) => nameOf(r) === "ViT-S/16" && r.resolution === 224)!;
      expect(vitS).toMatchObject({ exists: true, value: bestVitS.metrics.throughput, source: "PAPER" });
    });

    it("has nothing per-device measured yet on a paper GPU named explicitly, and rejects an unknown device", async () => {
      const devices: Array<{ name: string }> = (await api.data("{ devices { name } }")).devices;
      const result = (await api.data(COVERAGE, { device: devices[0].name })).coverage;
      expect(result.device.name).toBe(devices[0].name);
      expect(result.total).toBe(result.present + result.missing);
      await badInput(COVERAGE, { device: "TPU" }, /Unknown device "TPU"/);
    });
  });

  // Runs last: it adds a measuring device and two measured figures to this file's database.
  describe("with figures measured on another device", () => {
    const DEVICE = "test-cpu (analysis)";
    beforeAll(async () => {
      const db = api.server.app.services.database.db;
      const [device] = await db
        .insert(devices)
        .values({ name: DEVICE, kind: "cpu", description: { source: "test" } })
        .returning();
      const rows = await db.select().from(models);
      const id = (name: string) => rows.find((m) => m.name === name)!.id;
      await db.insert(cells).values([
        {
          modelId: id("ViT-Ti/16"),
          resolution: 224,
          metricKey: "throughput",
          deviceId: device.id,
          batchSize: 1,
          value: 500,
          source: "measured",
          provenance: { test: true },
        },
        {
          modelId: id("ViT-S/16"),
          resolution: 224,
          metricKey: "throughput",
          deviceId: device.id,
          batchSize: 1,
          value: 200,
          source: "measured",
          provenance: { test: true },
        },
      ]);
    });

    it("uses the device's figures and excludes runs without one", async () => {
      const result = await front({
        objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }],
        resolution: 224,
        device: DEVICE,
      });
      const runs = SEED.runs.filter((r) => r.resolution === 224);
      const measured = runs.filter((r) => ["ViT-Ti/16", "ViT-S/16"].includes(nameOf(r)));
      expect(result.device).toEqual({ name: DEVICE });
      expect(result.scopeCount).toBe(runs.length);
      expect(result.points).toHaveLength(measured.length);
      for (const point of result.points) {
        const run = seedRunOf(point);
        expect(point.values).toEqual([run.metrics.accuracyTop1, nameOf(run) === "ViT-Ti/16" ? 500 : 200]);
      }
      // ViT-S/16 is more accurate, ViT-Ti/16 faster: both models have a run on the front.
      expect(
        new Set(
          result.front.map(
            (p: any) => result.points.find((q: any) => q.runId === p.runId).subject.model.name,
          ),
        ),
      ).toEqual(new Set(["ViT-Ti/16", "ViT-S/16"]));
      expect(result.excluded).toEqual([
        expect.objectContaining({
          count: runs.length - measured.length,
          reason: `missing throughput on device ${DEVICE}`,
        }),
      ]);
    });

    it("reports the device's coverage", async () => {
      const result = (
        await api.data(
          `query($device: ID) { coverage(device: $device) { byMetric { metric present missing } } }`,
          { device: DEVICE },
        )
      ).coverage;
      const rows = modelResolutionRows(SEED.runs);
      const throughput = result.byMetric.find((m: any) => m.metric === "throughput");
      expect(throughput).toEqual({
        metric: "throughput",
        present: 2,
        missing: rows.length + UNMEASURED.length - 2,
      });
      const accuracy = result.byMetric.find((m: any) => m.metric === "accuracyTop1");
      expect(accuracy.present).toBe(rows.length);
    });
  });
});
