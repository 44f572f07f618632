import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MEASUREMENT_FILE_FORMAT } from "../../src/db/measurement-file.js";
import { cells, models } from "../../src/db/schema/index.js";
import { seedPublishedMeasurements } from "../../src/db/seed-measurements.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

const TOKEN = "validity-token";
const DEVICE = "Validity Test CPU";

/** A measured figure's provenance as the profiler writes it, with the given verdict. */
const provenance = (verdict: string) => ({
  provider: "cpu",
  validity: {
    verdict,
    reasons:
      verdict === "stable" ? [] : ["other processes took 61 % of the machine's CPU time during the runs"],
    attempts: verdict === "stable" ? 1 : 3,
    load: { foreignCpuShare: verdict === "stable" ? 0.02 : 0.61, loadAverage1: { start: 1, end: 2.5 } },
  },
});

describe.each(BACKENDS)("validity verdicts over HTTP (%s)", (backend) => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer(backend, { config: { tokens: [TOKEN], worker: false } });
    const dir = await mkdtemp(path.join(tmpdir(), "favor-validity-"));
    const figure = (metric: string, verdict: string, value: number) => ({
      model: "ViT-Ti/16",
      modelName: "ViT-Ti/16",
      resolution: 224,
      metric,
      batchSize: 1,
      value,
      provenance: provenance(verdict),
    });
    await writeFile(
      path.join(dir, "cpu.json"),
      JSON.stringify({
        format: MEASUREMENT_FILE_FORMAT,
        device: { name: DEVICE, kind: "cpu", description: {} },
        exportedFrom: "test",
        exportedAt: "2026-12-01T00:00:00Z",
        figures: [figure("latencyP50Ms", "stable", 12.5), figure("latencyP90Ms", "unstable", 30.25)],
      }),
    );
    await seedPublishedMeasurements(api.server.app.services.database.db, dir);
    await rm(dir, { recursive: true });
    api.server.app.services.catalog.invalidate();
  });
  afterAll(() => api?.stop());

  const figures = async (verdicts: string) =>
    (
      await api.data(
        `query($device: ID!) { models(first: 5, device: $device, filter: { name: "ViT-Ti/16", resolutions: [224] }) {
          edges { node { metrics(keys: ["latencyP50Ms", "latencyP90Ms", "params"]${verdicts}) {
            key value source validity { verdict reasons attempts foreignCpuShare loadAverage } } } } } }`,
        { device: DEVICE },
      )
    ).models.edges[0].node.metrics;

  it("serves each measured figure's verdict with its evidence, and none for the paper's", async () => {
    const all = await figures("");
    expect(all.map((m: any) => [m.key, m.validity?.verdict ?? null])).toEqual([
      ["latencyP50Ms", "STABLE"],
      ["latencyP90Ms", "UNSTABLE"],
      ["params", null],
    ]);
    expect(all[1].validity).toEqual({
      verdict: "UNSTABLE",
      reasons: ["other processes took 61 % of the machine's CPU time during the runs"],
      attempts: 3,
      foreignCpuShare: 0.61,
      loadAverage: 2.5,
    });
  });

  it("filters figures on the verdict, keeping figures that have none", async () => {
    expect((await figures(", verdicts: [STABLE]")).map((m: any) => m.key)).toEqual([
      "latencyP50Ms",
      "params",
    ]);
    expect((await figures(", verdicts: [UNSTABLE, INVALID]")).map((m: any) => m.key)).toEqual([
      "latencyP90Ms",
      "params",
    ]);
    const bad = await api.graphql(
      `{ models(first: 1) { edges { node { metrics(verdicts: [SHAKY]) { key } } } } }`,
    );
    expect(bad.status).toBe(400);
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0].message).toContain("SHAKY");
  });

  it("measure with onlyStable plans an unstable figure again and skips a stable one", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const measure = async (onlyStable: boolean) =>
      (
        await api.data(
          `mutation($onlyStable: Boolean!) { measure(input: { models: ["ViT-Ti/16"], resolutions: [224],
            metrics: ["latencyP50Ms", "latencyP90Ms"], provider: CPU, onlyStable: $onlyStable }) {
            id request device { id } cells { metric status } } }`,
          { onlyStable },
          auth,
        )
      ).measure;
    const cancel = (id: string) =>
      api.data(`mutation($id: ID!) { cancelMeasurement(id: $id) { status } }`, { id }, auth);
    // This server's own machine, with one stable and one unstable figure already measured.
    const first = await measure(false);
    await cancel(first.id);
    const db = api.server.app.services.database.db;
    const [model] = await db.select({ id: models.id }).from(models).where(eq(models.name, "ViT-Ti/16"));
    await db.insert(cells).values(
      (["latencyP50Ms", "latencyP90Ms"] as const).map((metricKey, i) => ({
        modelId: model.id,
        resolution: 224,
        metricKey,
        deviceId: Number(first.device.id),
        batchSize: 1,
        value: 10 + i,
        source: "measured" as const,
        provenance: provenance(i === 0 ? "stable" : "unstable"),
      })),
    );
    const plain = await measure(false);
    expect(plain.cells.map((c: any) => [c.metric, c.status])).toEqual([
      ["latencyP50Ms", "SKIPPED"],
      ["latencyP90Ms", "SKIPPED"],
    ]);
    const stableOnly = await measure(true);
    expect(stableOnly.request.onlyStable).toBe(true);
    expect(stableOnly.cells.map((c: any) => [c.metric, c.status])).toEqual([
      ["latencyP50Ms", "SKIPPED"],
      ["latencyP90Ms", "PENDING"],
    ]);
    await cancel(stableOnly.id);
  });
});
