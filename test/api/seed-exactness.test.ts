import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EPOCH_COLUMNS } from "../../src/db/seed.js";
import { SEED_METRIC_SOURCES } from "../../src/db/seed-file.js";
import { runKey, SEED } from "../helpers/seed-fixture.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

const EPOCH_FIELDS = Object.values(EPOCH_COLUMNS).join(" ");

const RUNS_QUERY = `query Runs($after: String) {
  runs(first: 30, after: $after, orderBy: [{ field: RUN_ID }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id experimentId runName runDate gpuCount pretrainResolution resolution pretrainDataset dataset
      hyperparameters pretrainHyperparameters
      device { name kind }
      model { sourceId }
      metrics { key value batchSize source provenance device { name } }
      epochs { epoch ${EPOCH_FIELDS} }
    } }
  }
}`;

describe.each(BACKENDS)("seeded figures over HTTP (%s)", (backend) => {
  let api: TestServer;
  const served = new Map<string, any>();
  /** Each page as JSON, asked twice: graphql-js answers the first page of the first pass, the rest run compiled. */
  const passes: string[][] = [[], []];

  beforeAll(async () => {
    api = await startTestServer(backend, { config: { responseCache: false } });
    for (const pass of passes) {
      let after: string | null = null;
      do {
        const result: any = await api.graphql(RUNS_QUERY, { after });
        expect(result.errors).toBeUndefined();
        pass.push(JSON.stringify(result.data));
        for (const { node } of result.data.runs.edges) served.set(runKey(node), node);
        after = result.data.runs.pageInfo.hasNextPage ? result.data.runs.pageInfo.endCursor : null;
      } while (after);
    }
  });
  afterAll(() => api?.stop());

  it("serves the same pages when the query runs compiled (src/http/compiled-queries.ts)", () => {
    expect(passes[0]).toHaveLength(3);
    expect(passes[1]).toEqual(passes[0]);
  });

  it("serves every one of the 90 runs exactly once", () => {
    expect(SEED.runs).toHaveLength(90);
    expect(served.size).toBe(90);
    for (const run of SEED.runs) expect(served.has(runKey(run))).toBe(true);
  });

  it("serves every run's descriptive fields and hyperparameters as recorded", () => {
    for (const run of SEED.runs) {
      const node = served.get(runKey(run));
      expect(node.model.sourceId).toBe(run.sourceModelId);
      expect(node.experimentId).toBe(run.experimentId);
      expect(node.device).toEqual({ name: run.gpu, kind: "GPU" });
      expect([node.gpuCount, node.pretrainResolution, node.resolution]).toEqual([
        run.gpuCount,
        run.pretrainResolution,
        run.resolution,
      ]);
      expect([node.pretrainDataset, node.dataset]).toEqual([run.pretrainDataset, run.dataset]);
      expect(node.hyperparameters).toEqual(run.hyperparameters);
      expect(node.pretrainHyperparameters).toEqual(run.pretrainHyperparameters);
    }
  });

  it("serves every published figure bit-exactly, with its batch size, device and provenance, and nothing else", () => {
    let figures = 0;
    for (const run of SEED.runs) {
      const node = served.get(runKey(run));
      const byKey = new Map<string, any>(node.metrics.map((m: any) => [m.key, m]));
      expect([...byKey.keys()].sort()).toEqual(Object.keys(run.metrics).sort());
      for (const [key, value] of Object.entries(run.metrics)) {
        const figure = byKey.get(key);
        expect(Object.is(figure.value, value), `${run.runName} ${key}: ${figure.value} vs ${value}`).toBe(
          true,
        );
        expect(figure.source).toBe("PAPER");
        expect(figure.provenance.field).toBe(SEED_METRIC_SOURCES[key as keyof typeof SEED_METRIC_SOURCES]);
        figures++;
      }
      if (run.metrics.throughput !== undefined)
        expect(byKey.get("throughput").batchSize).toBe(run.throughputBatchSize);
      expect(byKey.get("inferenceMemoryB32").batchSize).toBe(32);
      expect(byKey.get("inferenceMemoryB1").device.name).toBe(run.gpu);
      expect(byKey.get("accuracyTop1").device).toBeNull();
    }
    expect(figures).toBe(1166);
  });

  it("leaves missing figures missing (routing ViT throughput, XCiT training memory)", () => {
    const missing = SEED.runs.filter((r) => Object.keys(r.metrics).length < 13);
    expect(missing.length).toBe(3);
    for (const run of missing) {
      const keys = served.get(runKey(run)).metrics.map((m: any) => m.key);
      for (const key of Object.keys(SEED_METRIC_SOURCES)) expect(keys.includes(key)).toBe(key in run.metrics);
    }
  });

  it("serves all 50 epochs of every run with all 16 fields bit-exactly", () => {
    for (const run of SEED.runs) {
      const epochs = served.get(runKey(run)).epochs;
      expect(epochs.map((e: any) => e.epoch)).toEqual(run.epochs.map((e) => e.epoch));
      run.epochs.forEach((expected, i) => {
        for (const [field, column] of Object.entries(EPOCH_COLUMNS)) {
          const want = expected[field as keyof typeof EPOCH_COLUMNS];
          expect(
            Object.is(epochs[i][column], want ?? null),
            `${run.runName} epoch ${expected.epoch} ${field}`,
          ).toBe(true);
        }
      });
    }
  });
});
