import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WORKLOADS } from "../../bench/peer-workloads.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

/**
 * The API's answers are byte-identical to those recorded before the performance work of issue 14 (one SQL
 * statement per list, JSON built by PostgreSQL, other caches): each answer's SHA-256 and length are in
 * test/fixtures/answer-bytes.json. Re-record (only for an intended change of the answers) with
 * RECORD_ANSWER_BYTES=1.
 */
const FIXTURE = new URL("../fixtures/answer-bytes.json", import.meta.url);

const REQUESTS: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  ...Object.fromEntries(
    WORKLOADS.flatMap((w) =>
      [0, 5].map((i) => [`${w.name} #${i}`, { query: w.favorQuery, variables: w.variables(i) ?? undefined }]),
    ),
  ),
  "runs: page after a cursor, ordered by a metric, two filters, per-run fields": {
    query: `{ runs(first: 7, after: "ZmF2b3I6b2Zmc2V0OjI", orderBy: [{ metric: "accuracyTop1", direction: DESC }],
      filter: { metrics: [{ metric: "params", op: GTE, value: 2e7 }], resolutions: [224, 384] }) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id experimentId runName runDate deviceId gpuCount pretrainResolution resolution
        pretrainDataset dataset hyperparameters pretrainHyperparameters value(metric: "throughput")
        device { id name } model { id name sourceId family size patchSize taxonomyClass changesWhat changesHow }
        metrics { key value unit batchSize source metric { key label direction } } } } } }`,
  },
  "runs: per-device figures, ordered by throughput, name filter": {
    query: `{ runs(first: 30, device: "NVIDIA A100-SXM4-40GB", filter: { nameContains: "t" },
      orderBy: [{ metric: "throughput" }, { field: NAME, direction: DESC }]) {
      totalCount edges { node { id value(metric: "throughput") metrics(keys: ["throughput", "params"]) { key value batchSize } } } } }`,
  },
  "models: model@resolution rows with figures, ordered, paged": {
    query: `{ models(first: 25, orderBy: [{ metric: "throughput", direction: DESC }, { field: NAME }],
      filter: { families: ["SwinV2", "GFNet", "FocalNet", "PolySA", "MLP-Mixer"] }) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { resolution pretrainResolution runId runCount model { name } run { id runName }
        metrics(keys: ["accuracyTop1", "throughput", "flops"]) { key value unit } value(metric: "params") } } } }`,
  },
  "models: empty page after the end": {
    query: `{ models(first: 5, after: "ZmF2b3I6b2Zmc2V0OjUwMA", filter: { taxonomyClasses: [] }) { totalCount edges { cursor } } }`,
  },
  "model: its runs and resolutions": {
    query: `{ model(name: "CaiT-S24") { name runs { id resolution metrics { key value } } resolutions { resolution runCount runId metrics(keys: ["accuracyTop1"]) { value } } } }`,
  },
  "run by id": { query: "{ run(id: 17) { id runName metrics { key value unit batchSize } } }" },
  "paretoFront and aggregates": {
    query: `{ paretoFront(objectives: [{ metric: "accuracyTop1" }, { metric: "throughput" }]) { front { subject { key resolution model { name } } values rank } }
      aggregates(metric: "accuracyTop1", groupBy: TAXONOMY_CLASS) { group count min max mean } }`,
  },
};

type Recorded = Record<string, { sha256: string; bytes: number }>;

describe.each(BACKENDS)("answers byte-identical to the recorded ones on %s", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend, { config: { responseCache: false } })));
  afterAll(() => api?.stop());

  it("every request", async () => {
    const answers: Recorded = {};
    for (const [name, request] of Object.entries(REQUESTS)) {
      // Three asks: the first runs graphql-js, the later ones the compiled query (src/http/compiled-queries.ts).
      for (let ask = 1; ask <= 3; ask++) {
        const response = await fetch(`${api.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(request),
        });
        const body = await response.text();
        expect(body, name).not.toContain('"errors"');
        const answer = {
          sha256: createHash("sha256").update(body).digest("hex"),
          bytes: Buffer.byteLength(body),
        };
        if (ask === 1) answers[name] = answer;
        else expect(answer, `${name}, ask ${ask}`).toEqual(answers[name]);
      }
    }
    if (process.env.RECORD_ANSWER_BYTES === "1")
      writeFileSync(FIXTURE, `${JSON.stringify(answers, null, 2)}\n`);
    expect(answers).toEqual(JSON.parse(readFileSync(FIXTURE, "utf8")));
  });
});
