import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

/** Issue 12: every identifier is the `ID` scalar; an id argument takes the old integer form as well as a string. */
describe.each(BACKENDS)("identifiers (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend)));
  afterAll(() => api?.stop());

  it("answers every id as a string", async () => {
    const data = await api.data(`{
      runs(first: 1) { edges { node { id deviceId device { id } model { id }
        metrics(keys: ["throughput"]) { deviceId } } } }
      models(first: 1) { edges { node { runId } } }
      paretoFront(objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }]) { points { runId subject { runId } } }
      coverage(device: "NVIDIA A100-SXM4-40GB") { cells { modelId } }
    }`);
    const run = data.runs.edges[0].node;
    for (const id of [run.id, run.deviceId, run.device.id, run.model.id, run.metrics[0].deviceId])
      expect(id).toMatch(/^[1-9]\d*$/);
    expect(run.device.id).toBe(run.deviceId);
    expect(data.models.edges[0].node.runId).toMatch(/^[1-9]\d*$/);
    const point = data.paretoFront.points[0];
    expect(point.runId).toBe(point.subject.runId);
    expect(typeof point.runId).toBe("string");
    expect(typeof data.coverage.cells[0].modelId).toBe("string");
  });

  it("takes run(id:) as an integer literal, a string literal, and an ID variable holding either", async () => {
    const { id, runName } = (
      await api.data("{ runs(first: 1, after: null) { edges { node { id runName } } } }")
    ).runs.edges[0].node;
    const asked = [
      await api.data(`{ run(id: ${id}) { id runName } }`),
      await api.data(`{ run(id: "${id}") { id runName } }`),
      await api.data("query($id: ID!) { run(id: $id) { id runName } }", { id: Number(id) }),
      await api.data("query($id: ID!) { run(id: $id) { id runName } }", { id }),
    ];
    for (const data of asked) expect(data.run).toEqual({ id, runName });
  });

  it("refuses an id that is not a positive integer with BAD_USER_INPUT naming the argument", async () => {
    for (const bad of ['"abc"', '"0"', "-3", '"1e3"', '"99999999999999999999"']) {
      const result = await api.graphql(`{ run(id: ${bad}) { id } }`);
      expect(result.errors?.[0]?.extensions?.code, bad).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message, bad).toMatch(/^id must be a positive integer id/);
    }
    const job = await api.graphql('{ measurementJob(id: "x1") { id } }');
    expect(job.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "id" });
  });

  it("answers null for an id with no row, in either form", async () => {
    expect((await api.data("{ run(id: 999999) { id } }")).run).toBeNull();
    expect((await api.data('{ measurementJob(id: "999999") { id } }')).measurementJob).toBeNull();
  });
});
