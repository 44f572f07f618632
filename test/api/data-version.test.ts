import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cells } from "../../src/db/schema/index.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

/** Cached pages must never hide a figure written after them (by this or another process). */
describe.each(BACKENDS)("figures written after a query (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend)));
  afterAll(() => api?.stop());

  const query = `{ models(first: 5, filter: { name: "ViT-S/16" }, device: "1") {
    edges { node { resolution memory: value(metric: "inferenceMemoryB1")
      metrics(keys: ["inferenceMemoryB1"]) { value source owner provenance } } } } }`;

  it("serves a figure written after a cached query on the next query, and forgets it once removed", async () => {
    const { db } = api.server.app.services.database;
    const before = await api.graphql(query);
    const [row] = before.data.models.edges;
    expect(row.node.metrics[0].source).toBe("PAPER");
    const [model] = (
      (await db.execute(sql`SELECT id FROM models WHERE name = 'ViT-S/16'`)) as unknown as {
        rows: Array<{ id: number }>;
      }
    ).rows;

    // A device-1 measurement of the model@resolution: the run's paper cell still wins (run cells first)...
    await db.insert(cells).values({
      modelId: model.id,
      resolution: 224,
      metricKey: "inferenceMemoryB1",
      deviceId: 1,
      batchSize: 1,
      value: 123,
      source: "measured",
      provenance: { runtime: "test" },
    });
    const after = await api.graphql(query);
    expect(after.data.models.edges[0].node.memory).toBe(row.node.memory);

    // ...while a model@resolution figure with no paper counterpart appears at once, with its provenance.
    const [vitB] = (
      (await db.execute(sql`SELECT id FROM models WHERE name = 'ViT-B/16'`)) as unknown as {
        rows: Array<{ id: number }>;
      }
    ).rows;
    await db.insert(cells).values({
      modelId: vitB.id,
      resolution: 512,
      metricKey: "inferenceMemoryB1",
      deviceId: 1,
      batchSize: 1,
      value: 456,
      source: "measured",
      provenance: { runtime: "test" },
    });
    const measured =
      await api.graphql(`{ models(filter: { resolutions: [512] }, device: "1") { totalCount edges { node { runId runCount model { name }
      metrics(keys: ["inferenceMemoryB1"]) { value source owner provenance } } } } }`);
    expect(measured.errors).toBeUndefined();
    expect(measured.data.models.totalCount).toBe(1);
    expect(measured.data.models.edges[0].node).toEqual({
      runId: null,
      runCount: 0,
      model: { name: "ViT-B/16" },
      metrics: [
        { value: 456, source: "MEASURED", owner: "MODEL_RESOLUTION", provenance: { runtime: "test" } },
      ],
    });

    await db.delete(cells).where(sql`${cells.source} = 'measured'`);
    const gone = await api.graphql(`{ models(filter: { resolutions: [512] }) { totalCount } }`);
    expect(gone.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});
