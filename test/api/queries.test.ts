import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { METRIC_CATALOG } from "../../src/db/metric-catalog.js";
import { MODELS, runKey, runsByConfiguration, SEED } from "../helpers/seed-fixture.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

const sourceIdOf = new Map(MODELS.models.map((m) => [m.name, m.sourceId]));
const modelOf = new Map(MODELS.models.map((m) => [m.sourceId, m]));

/** The expected model@resolution rows: per configuration, the run with the highest top-1 accuracy. */
function expectedRows() {
  return [...runsByConfiguration().entries()].map(([key, runs]) => {
    const best = runs.reduce((a, b) =>
      (b.metrics.accuracyTop1 ?? -1) > (a.metrics.accuracyTop1 ?? -1) ? b : a,
    );
    return { key, best, runCount: runs.length };
  });
}

describe.each(BACKENDS)("queries over HTTP (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend)));
  afterAll(() => api?.stop());

  const runs = async (filter: unknown, orderBy?: unknown) =>
    (
      await api.data(
        `query($filter: SubjectFilterInput, $orderBy: [OrderByInput!]) {
          runs(first: 200, filter: $filter, orderBy: $orderBy) {
            totalCount edges { node { runName runDate resolution pretrainResolution model { sourceId name family taxonomyClass }
              acc: value(metric: "accuracyTop1") thr: value(metric: "throughput") params: value(metric: "params") } }
          }
        }`,
        { filter, orderBy },
      )
    ).runs;

  describe("models (model@resolution rows)", () => {
    it("has one row per (model, fine-tune resolution), each showing its best-accuracy run exactly", async () => {
      const data = await api.data(`{ models(first: 200) { totalCount edges { node {
        resolution runId runCount pretrainResolution model { sourceId }
        run { runName runDate } metrics { key value } } } } }`);
      const expected = expectedRows();
      expect(data.models.totalCount).toBe(expected.length);
      const rows = new Map(
        data.models.edges.map(({ node }: any) => [`${node.model.sourceId}@${node.resolution}`, node]),
      );
      for (const { key, best, runCount } of expected) {
        const row: any = rows.get(key);
        expect(row, key).toBeDefined();
        expect(runKey(row.run)).toBe(runKey(best));
        expect(row.runCount).toBe(runCount);
        expect(row.pretrainResolution).toBe(best.pretrainResolution);
        expect(Object.fromEntries(row.metrics.map((m: any) => [m.key, m.value]))).toEqual(best.metrics);
      }
      // The duplicated configurations exist and really pick the better run.
      expect(expected.filter((r) => r.runCount > 1).length).toBeGreaterThan(5);
    });

    it("filters by resolution and a metric and orders by a metric, missing figures last", async () => {
      const data =
        await api.data(`{ models(first: 200, filter: { resolutions: [384], metrics: [{ metric: "accuracyTop1", op: GTE, value: 0.8 }] },
        orderBy: [{ metric: "throughput", direction: DESC }]) { totalCount edges { node { resolution model { sourceId }
        throughput: value(metric: "throughput") acc: value(metric: "accuracyTop1") } } } }`);
      const expected = expectedRows().filter(
        (r) => r.best.resolution === 384 && r.best.metrics.accuracyTop1! >= 0.8,
      );
      expect(data.models.totalCount).toBe(expected.length);
      const values = data.models.edges.map(({ node }: any) => node.throughput);
      const present = values.filter((v: number | null) => v !== null);
      expect(present).toEqual([...present].sort((a: number, b: number) => b - a));
      expect(values.slice(present.length).every((v: unknown) => v === null)).toBe(true);
      for (const { node } of data.models.edges) expect(node.acc).toBeGreaterThanOrEqual(0.8);
    });

    it("finds a model by display name and by benchmark id, with its resolutions and runs", async () => {
      for (const name of ["DeiT-S (LS)", "deit_small_patch16_LS"]) {
        const data = await api.data(
          `query($n: String!) { model(name: $n) { name sourceId resolutions { resolution runCount } runs { runName runDate } } }`,
          { n: name },
        );
        expect(data.model.sourceId).toBe("deit_small_patch16_LS");
        const seedRuns = SEED.runs.filter((r) => r.sourceModelId === "deit_small_patch16_LS");
        expect(data.model.runs.map(runKey).sort()).toEqual(seedRuns.map(runKey).sort());
        expect(data.model.resolutions.map((r: any) => r.resolution)).toEqual(
          [...new Set(seedRuns.map((r) => r.resolution))].sort(),
        );
      }
    });
  });

  describe("runs filters", () => {
    const count = (predicate: (r: (typeof SEED.runs)[number]) => boolean) =>
      SEED.runs.filter(predicate).length;

    it("filters by exact name, substring, family, taxonomy class and both resolutions", async () => {
      expect((await runs({ name: "ViT-S/16" })).totalCount).toBe(
        count((r) => r.sourceModelId === "ViT-S/16"),
      );
      expect((await runs({ nameContains: "nystr" })).totalCount).toBe(
        count((r) => /nystr/i.test(r.sourceModelId) || /nystr/i.test(modelOf.get(r.sourceModelId)!.name)),
      );
      expect((await runs({ families: ["Swin"] })).totalCount).toBe(
        count((r) => modelOf.get(r.sourceModelId)!.family === "Swin"),
      );
      expect((await runs({ taxonomyClasses: ["Sequence Reduction", "MLP Block"] })).totalCount).toBe(
        count((r) =>
          ["Sequence Reduction", "MLP Block"].includes(modelOf.get(r.sourceModelId)!.taxonomyClass),
        ),
      );
      expect((await runs({ resolutions: [382] })).totalCount).toBe(2);
      expect((await runs({ pretrainResolutions: [192] })).totalCount).toBe(
        count((r) => r.pretrainResolution === 192),
      );
      expect((await runs({ resolutions: [224], pretrainResolutions: [224] })).totalCount).toBe(
        count((r) => r.resolution === 224 && r.pretrainResolution === 224),
      );
    });

    it("applies every comparison operator to a metric exactly", async () => {
      const vit = SEED.runs.find((r) => r.sourceModelId === "ViT-S/16")!;
      const p = vit.metrics.params!;
      const cases: Array<[string, unknown, (v: number) => boolean]> = [
        ["EQ", { value: p }, (v) => v === p],
        ["NE", { value: p }, (v) => v !== p],
        ["GT", { value: p }, (v) => v > p],
        ["GTE", { value: p }, (v) => v >= p],
        ["LT", { value: p }, (v) => v < p],
        ["LTE", { value: p }, (v) => v <= p],
        [
          "IN",
          { values: [p, SEED.runs[0].metrics.params] },
          (v) => v === p || v === SEED.runs[0].metrics.params,
        ],
      ];
      for (const [op, operand, predicate] of cases) {
        const result = await runs({ metrics: [{ metric: "params", op, ...(operand as object) }] });
        expect(result.totalCount, op).toBe(
          count((r) => r.metrics.params !== undefined && predicate(r.metrics.params)),
        );
        expect(result.totalCount, op).toBeGreaterThan(0);
      }
    });

    it("combines metric constraints, and a constraint excludes runs without the figure", async () => {
      const result = await runs({
        metrics: [
          { metric: "throughput", op: "GTE", value: 0 },
          { metric: "accuracyTop1", op: "LT", value: 0.8 },
        ],
      });
      expect(result.totalCount).toBe(
        count((r) => r.metrics.throughput !== undefined && r.metrics.accuracyTop1! < 0.8),
      );
      const noThroughput = await runs({
        name: "routing_vit_small_patch16",
        resolutions: [384],
        metrics: [{ metric: "throughput", op: "GTE", value: 0 }],
      });
      expect(noThroughput.totalCount).toBe(0);
    });
  });

  describe("ordering and pagination", () => {
    it("orders by a metric ascending and by fields, ties broken deterministically", async () => {
      const byParams = await runs(null, [{ metric: "params", direction: "ASC" }]);
      const params = byParams.edges.map(({ node }: any) => node.params);
      expect(params).toEqual([...params].sort((a, b) => a - b));
      const byName = await runs(null, [{ field: "NAME", direction: "DESC" }, { field: "RESOLUTION" }]);
      const names = byName.edges.map(({ node }: any) => node.model.name);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
      // Runs exist only for the benchmark's models, each known to the catalogue by its source id.
      expect(names.filter((name: string) => !sourceIdOf.get(name))).toEqual([]);
    });

    it("walks all runs with cursors: no duplicates, no gaps, consistent pageInfo", async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const data: any = await api.data(
          `query($after: String) { runs(first: 7, after: $after, orderBy: [{ metric: "flops", direction: DESC }]) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { runName runDate } } } }`,
          { after },
        );
        const page = data.runs;
        expect(page.totalCount).toBe(90);
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1).cursor);
        seen.push(...page.edges.map(({ node }: any) => runKey(node)));
        pages++;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(pages).toBe(13);
      expect(new Set(seen).size).toBe(90);
    });

    it("returns an empty page after the last row, still with the total", async () => {
      const last = await api.data(`{ runs(first: 200) { pageInfo { endCursor } } }`);
      const data = await api.data(
        `query($a: String) { runs(first: 5, after: $a) { totalCount edges { cursor } pageInfo { hasNextPage } } }`,
        { a: last.runs.pageInfo.endCursor },
      );
      expect(data.runs).toEqual({ totalCount: 90, edges: [], pageInfo: { hasNextPage: false } });
    });
  });

  describe("catalogue, devices, taxonomy, aggregates", () => {
    it("lists the metric catalogue with units, directions, stages", async () => {
      const data = await api.data(
        `{ metrics { key label unit direction stage perDevice batchSize description } inference: metrics(stage: INFERENCE) { key } }`,
      );
      const byKey = new Map(data.metrics.map((m: any) => [m.key, m]));
      expect(byKey.get("accuracyTop1")).toMatchObject({
        unit: "fraction",
        direction: "HIGHER",
        stage: "QUALITY",
        perDevice: false,
      });
      expect(byKey.get("inferenceMemoryB64")).toMatchObject({
        unit: "bytes",
        direction: "LOWER",
        stage: "INFERENCE",
        perDevice: true,
        batchSize: 64,
      });
      expect(byKey.get("flops")).toMatchObject({ stage: "THEORETICAL", perDevice: false });
      expect(data.metrics.map((m: any) => m.key).sort()).toEqual(METRIC_CATALOG.map((m) => m.key).sort());
      expect(data.inference.map((m: any) => m.key).sort()).toEqual(
        METRIC_CATALOG.filter((m) => m.stage === "INFERENCE")
          .map((m) => m.key)
          .sort(),
      );
      expect(data.inference.map((m: any) => m.key)).toEqual(
        expect.arrayContaining([
          "inferenceMemoryB1",
          "inferenceMemoryB128",
          "inferenceMemoryB32",
          "inferenceMemoryB64",
          "throughput",
        ]),
      );
    });

    it("lists the paper's GPUs exactly as recorded", async () => {
      const data = await api.data(`{ devices { id name kind description } }`);
      expect(data.devices.map((d: any) => d.name).sort()).toEqual(
        [...new Set(SEED.runs.map((r) => r.gpu))].sort(),
      );
      expect(data.devices.every((d: any) => d.kind === "GPU" && d.description.source === "paper")).toBe(true);
    });

    it("serves both taxonomies covering all 65 models", async () => {
      const data = await api.data(
        `{ taxonomy { classes { name models { sourceId } } categories { changesWhat approaches { changesHow models { sourceId } } } } modelList { sourceId } }`,
      );
      expect(data.taxonomy.classes).toHaveLength(10);
      expect(data.taxonomy.classes.flatMap((c: any) => c.models)).toHaveLength(65);
      expect(
        data.taxonomy.categories.flatMap((c: any) => c.approaches.flatMap((a: any) => a.models)),
      ).toHaveLength(65);
      expect(data.modelList).toHaveLength(65);
      const mlp = data.taxonomy.classes.find((c: any) => c.name === "MLP Block");
      expect(mlp.models.map((m: any) => m.sourceId)).toEqual(
        MODELS.models.filter((m) => m.taxonomyClass === "MLP Block").map((m) => m.sourceId),
      );
    });

    it("aggregates a metric per taxonomy class over runs exactly like the seed file", async () => {
      const data = await api.data(
        `{ aggregates(metric: "accuracyTop1", groupBy: TAXONOMY_CLASS, level: RUN) { group count subjects min max mean } }`,
      );
      for (const row of data.aggregates) {
        const values = SEED.runs
          .filter((r) => modelOf.get(r.sourceModelId)!.taxonomyClass === row.group)
          .map((r) => r.metrics.accuracyTop1!);
        expect(row.count).toBe(values.length);
        expect(row.min).toBe(Math.min(...values));
        expect(row.max).toBe(Math.max(...values));
        expect(row.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
      }
      expect(data.aggregates.reduce((n: number, r: any) => n + r.count, 0)).toBe(90);
    });

    it("aggregates by resolution over model@resolution rows, counting rows without the figure apart", async () => {
      const data = await api.data(
        `{ aggregates(metric: "throughput", groupBy: RESOLUTION, filter: { families: ["Routing ViT", "ViT"] }) { group count subjects } }`,
      );
      expect(data.aggregates.map((r: any) => r.group)).toEqual(
        [...data.aggregates.map((r: any) => r.group)].sort((a: string, b: string) => Number(a) - Number(b)),
      );
      const at384 = data.aggregates.find((r: any) => r.group === "384");
      expect(at384.subjects - at384.count).toBe(1); // routing ViT @384 has no throughput
    });
  });
});
