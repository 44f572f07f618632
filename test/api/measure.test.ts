import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pkg from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeasurementWorker, MeasurementWorkerOptions } from "../../src/jobs/measurement-worker.js";
import { webgpuAvailability } from "../../src/measure/profiler/webgpu-probe.js";
import { BACKENDS, type GraphQLResult, startTestServer, type TestServer } from "../helpers/test-server.js";
import { startTestWorker } from "../helpers/test-worker.js";
import { QUICK_SETTINGS } from "../jobs/quick-settings.js";
import { tinyConvGraph } from "../measure/profiler/fixtures/tiny-graph.js";

// Small limits so the limit errors are cheap to reach (read when the measurement resolver is built).
process.env.FAVOR_MAX_CELLS_PER_JOB = "20";
process.env.FAVOR_MAX_ACTIVE_JOBS = "4";
// Users' .onnx files: a small conv net (3×3 conv to 8 channels, global pool, linear to 10 classes: 314 parameters).
const ONNX_DIR = mkdtempSync(join(tmpdir(), "favor-onnx-"));
writeFileSync(join(ONNX_DIR, "tiny.onnx"), tinyConvGraph(96));
process.env.FAVOR_ONNX_DIR = ONNX_DIR;
afterAll(() => rmSync(ONNX_DIR, { recursive: true, force: true }));

const { onnx } = pkg;
const TOKEN = "test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MODEL = "ViT-Ti/16";
const RESOLUTION = 32;

const JOB_FIELDS = `id status provider claims error request current
  device { id name kind description }
  progress { total done failed skipped pending running cancelled fraction }
  errors { modelName resolution metric status reasonKind reason details }
  cells { modelName resolution metric status attempts cellId duplicateOfJobId reasonKind reason }`;

const MEASURE = `mutation($input: MeasureInput!) { measure(input: $input) { ${JOB_FIELDS} } }`;
const JOB = `query($id: ID!) { measurementJob(id: $id) { ${JOB_FIELDS} } }`;

function expectError(result: GraphQLResult, code: string, mentions?: string | number) {
  expect(result.errors, JSON.stringify(result)).toHaveLength(1);
  expect(result.errors![0].extensions?.code).toBe(code);
  if (mentions !== undefined) expect(result.errors![0].message).toContain(String(mentions));
}

describe.each(BACKENDS)("measure mutation over HTTP (%s)", (backend) => {
  let api: TestServer;
  const workers: MeasurementWorker[] = [];

  const measure = async (input: Record<string, unknown>) => {
    const result = await api.graphql(MEASURE, { input }, AUTH);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data.measure;
  };
  const job = async (id: string) => (await api.graphql(JOB, { id })).data.measurementJob;
  const startWorker = async (extra: Partial<MeasurementWorkerOptions> = {}) => {
    const worker = await startTestWorker(api, extra);
    workers.push(worker);
    return worker;
  };
  /** Polls the job (the documented contract) until it has ended. */
  const waitForEnd = async (id: string) => {
    for (;;) {
      const j = await job(id);
      if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(j.status)) return j;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => (api = await startTestServer(backend, { config: { tokens: [TOKEN] } })));
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await api?.stop();
  });

  it("refuses mutations without a token (UNAUTHENTICATED) or with a wrong one (FORBIDDEN); reads stay public", async () => {
    const input = { models: [MODEL], resolutions: [RESOLUTION] };
    expectError(await api.graphql(MEASURE, { input }), "UNAUTHENTICATED", "Authorization");
    expectError(await api.graphql(MEASURE, { input }, { authorization: "Bearer nope" }), "FORBIDDEN");
    expectError(await api.graphql(`mutation { cancelMeasurement(id: "1") { id } }`), "UNAUTHENTICATED");
    expectError(
      await api.graphql(`mutation { cancelMeasurement(id: "1") { id } }`, undefined, {
        authorization: "Bearer nope",
      }),
      "FORBIDDEN",
    );
    const list = await api.graphql(`{ measurementJobs { totalCount } measurementJob(id: "999") { id } }`);
    expect(list.errors).toBeUndefined();
    expect(list.data).toEqual({ measurementJobs: { totalCount: 0 }, measurementJob: null });
  });

  it("rejects bad input with BAD_USER_INPUT naming the value", async () => {
    const bad = (input: Record<string, unknown>) => api.graphql(MEASURE, { input }, AUTH);
    expectError(await bad({ models: ["Nope-Net"] }), "BAD_USER_INPUT", "Nope-Net");
    expectError(await bad({ models: [MODEL], resolutions: [4096] }), "BAD_USER_INPUT", 4096);
    expectError(await bad({ models: [MODEL], resolutions: [40] }), "BAD_USER_INPUT", 40);
    expectError(await bad({ models: [MODEL], provider: "gpu" }), "BAD_USER_INPUT", "gpu");
    expectError(await bad({ models: [MODEL], metrics: ["accuracyTop1"] }), "BAD_USER_INPUT", "accuracyTop1");
    expectError(await bad({ models: [MODEL], metrics: ["speed"] }), "BAD_USER_INPUT", "speed");
    expectError(await bad({ models: [MODEL, MODEL] }), "BAD_USER_INPUT", MODEL);
    expectError(await bad({ models: [MODEL], maxSecondsPerCell: 0 }), "BAD_USER_INPUT", "maxSecondsPerCell");
    expectError(await bad({ models: [MODEL], device: "NVIDIA A100-SXM4-80GB" }), "BAD_USER_INPUT", "A100");
    expectError(await bad({}), "BAD_USER_INPUT", "models");
    // 2 resolutions × 11 metrics = 22 cells > FAVOR_MAX_CELLS_PER_JOB=20.
    expectError(await bad({ models: [MODEL], resolutions: [32, 48] }), "BAD_USER_INPUT", 22);
    expect((await api.graphql(`{ measurementJobs { totalCount } }`)).data.measurementJobs.totalCount).toBe(0);
  });

  it("refuses a provider this server cannot run with PROVIDER_UNAVAILABLE naming what is missing, no host paths", async () => {
    const bad = (input: Record<string, unknown>) => api.graphql(MEASURE, { input }, AUTH);
    // No CUDA binaries here: asking for cuda is an error, not a silent CPU run.
    const cuda = await bad({ models: [MODEL], provider: "CUDA" });
    expectError(cuda, "PROVIDER_UNAVAILABLE", "cuda");
    expect(cuda.errors![0].extensions).toMatchObject({ provider: "cuda", missing: "cuda-binaries" });
    // No GPU here: either the Vulkan loader (libvulkan.so.1) is missing or Dawn finds no adapter; which one CI
    // has depends on its packages, so both are accepted, but the error must say which.
    const webgpu = webgpuAvailability();
    if (webgpu.problem !== null) {
      const result = await bad({ models: [MODEL], provider: "WEBGPU" });
      expectError(result, "PROVIDER_UNAVAILABLE", "webgpu");
      const error = result.errors![0];
      expect(error.extensions).toMatchObject({ provider: "webgpu", missing: webgpu.missing });
      expect(error.message).toMatch(/no Vulkan loader: libvulkan\.so\.1|no WebGPU adapter/);
      expect(error.message).not.toMatch(/\/(usr|lib|work|home|tmp)\//);
      expect(error.extensions?.stacktrace).toBeUndefined();
    }
    expectError(
      await api.graphql(
        `mutation { measure(input: { models: ["${MODEL}"], provider: GPU }) { id } }`,
        undefined,
        AUTH,
      ),
      "BAD_USER_INPUT",
      "GPU",
    );
    expect((await api.graphql(`{ measurementJobs { totalCount } }`)).data.measurementJobs.totalCount).toBe(0);
  });

  let deviceId: string;

  it("queues a job at once, a worker measures it, and the figures carry provenance", async () => {
    const metrics = ["params", "latencyP50Ms", "latencyP90Ms", "latencyP99Ms", "inferenceMemoryB1"];
    const queued = await measure({ models: [MODEL], resolutions: [RESOLUTION], metrics, provider: "CPU" });
    expect(queued.status).toBe("QUEUED");
    expect(queued.provider).toBe("cpu");
    expect(queued.progress).toMatchObject({ total: 5, pending: 5, done: 0, fraction: 0 });
    expect(queued.device.kind).toBe("CPU");
    deviceId = String(queued.device.id);

    await startWorker();
    const done = await waitForEnd(queued.id);
    expect(done.status, JSON.stringify(done.errors)).toBe("SUCCEEDED");
    expect(done.progress).toMatchObject({ total: 5, done: 5, failed: 0, fraction: 1 });
    expect(done.claims).toBe(1);
    expect(
      done.cells.every(
        (c: { status: string; cellId: number | null }) => c.status === "DONE" && c.cellId !== null,
      ),
    ).toBe(true);

    const rows = await api.graphql(
      `query($d: ID) { models(device: $d, filter: { name: "${MODEL}", resolutions: [${RESOLUTION}] }) {
         totalCount edges { node { resolution runCount metrics(keys: ${JSON.stringify(metrics)}) { key value source batchSize deviceId jobId provenance } } } } }`,
      { d: deviceId },
    );
    expect(rows.errors).toBeUndefined();
    expect(rows.data.models.totalCount).toBe(1);
    const node = rows.data.models.edges[0].node;
    expect(node.runCount).toBe(0);
    const byKey = Object.fromEntries(node.metrics.map((m: { key: string }) => [m.key, m]));
    expect(Object.keys(byKey).sort()).toEqual([...metrics].sort());
    for (const m of node.metrics) {
      expect(m.source).toBe("MEASURED");
      expect(m.jobId).toBe(Number(queued.id));
      expect(m.value).toBeGreaterThan(0);
    }
    expect(byKey.params.deviceId).toBeNull();
    // ViT-Ti/16 at 32 px: the patch embedding, 2+1 tokens' position embedding, 12 blocks and the head.
    expect(byKey.params.value).toBeGreaterThan(5_000_000);
    expect(byKey.latencyP50Ms.deviceId).toBe(deviceId);
    expect(byKey.latencyP50Ms.value).toBeLessThanOrEqual(byKey.latencyP90Ms.value);
    expect(byKey.latencyP90Ms.value).toBeLessThanOrEqual(byKey.latencyP99Ms.value);
    const p = byKey.latencyP50Ms.provenance;
    expect(p).toMatchObject({
      job: Number(queued.id),
      provider: "cpu",
      requestedProvider: "cpu",
      intraOpThreads: 1,
      batchSize: 1,
      precision: "fp32",
    });
    expect(p.device.id).toBe(queued.device.description.id);
    expect(p.jobProvider).toEqual({ requested: "cpu", reason: null });
    expect(typeof p.onnxruntimeVersion).toBe("string");
    expect(p.spread.stddevMs).toBeGreaterThanOrEqual(0);
    expect(p.iterations).toBeGreaterThanOrEqual(5);
    expect(p.operators.operators.length).toBeGreaterThan(0);
    expect(p.graphSource).toMatchObject({ kind: "zoo", model: MODEL, resolution: RESOLUTION });
    const mem = byKey.inferenceMemoryB1;
    expect(mem.batchSize).toBe(1);
    expect(mem.provenance.memory.valueBytes).toBe(mem.value);
    expect(mem.provenance.memory.weightBytes).toBe(byKey.params.value * 4);

    const coverage = await api.graphql(
      `query($d: ID) { coverage(device: $d, metrics: ${JSON.stringify(metrics)}) { cells { model resolution metric exists source value } } }`,
      { d: deviceId },
    );
    expect(coverage.errors).toBeUndefined();
    const mine = coverage.data.coverage.cells.filter(
      (c: { model: string; resolution: number }) => c.model === MODEL && c.resolution === RESOLUTION,
    );
    expect(mine).toHaveLength(metrics.length);
    for (const c of mine)
      expect(c).toMatchObject({ exists: true, source: "MEASURED", value: byKey[c.metric].value });
  });

  it("skips cells that exist (onlyMissing) and re-measures them with force, keeping one figure per cell", async () => {
    const metrics = ["params", "inferenceMemoryB1"];
    // provider AUTO (the default) falls back to the CPU here (no CUDA binaries), saying why.
    const again = await measure({ models: [MODEL], resolutions: [RESOLUTION], metrics });
    expect(again.request).toMatchObject({
      provider: "auto",
      providerUsed: "cpu",
      device: { id: Number(deviceId) },
    });
    expect(again.request.providerReason).toContain("cuda");
    expect(again.status).toBe("SUCCEEDED");
    expect(again.progress).toMatchObject({ total: 2, skipped: 2, done: 0 });
    expect(again.cells.map((c: { reasonKind: string }) => c.reasonKind)).toEqual(["exists", "exists"]);

    const forced = await measure({
      models: [MODEL],
      resolutions: [RESOLUTION],
      metrics,
      provider: "CPU",
      force: true,
    });
    expect(forced.progress).toMatchObject({ total: 2, pending: 2 });
    const done = await waitForEnd(forced.id);
    expect(done.status).toBe("SUCCEEDED");
    const rows = await api.graphql(
      `query($d: ID) { models(device: $d, filter: { name: "${MODEL}", resolutions: [${RESOLUTION}] }) { edges { node { metrics(keys: ["inferenceMemoryB1"]) { jobId } } } } }`,
      { d: deviceId },
    );
    expect(rows.data.models.edges[0].node.metrics[0].jobId).toBe(Number(forced.id));
    const db = api.server.app.services.database.db;
    const { queryRows, sql } = await import("../../src/db/client.js");
    const counts = await queryRows<{ metric_key: string; n: number }>(
      db,
      sql`SELECT metric_key, count(*)::int AS n FROM cells WHERE run_id IS NULL AND resolution = ${RESOLUTION} GROUP BY metric_key`,
    );
    for (const c of counts) expect(c.n, c.metric_key).toBe(1);
  });

  it("fails a cell whose profiler child crashes, goes on with the job and keeps the server up", async () => {
    for (const w of workers.splice(0)) await w.stop();
    await startWorker({
      childEnv: { FAVOR_PROFILER_FAULTS: "1" },
      faultFor: ({ task }) => (task === "latency" ? "abort" : undefined),
    });
    const queued = await measure({
      models: [MODEL],
      resolutions: [48],
      metrics: ["latencyP50Ms", "inferenceMemoryB1"],
      provider: "CPU",
    });
    const done = await waitForEnd(queued.id);
    expect(done.status).toBe("FAILED");
    expect(done.progress).toMatchObject({ total: 2, done: 1, failed: 1 });
    expect(done.errors).toHaveLength(1);
    expect(done.errors[0]).toMatchObject({ metric: "latencyP50Ms", status: "FAILED", reasonKind: "crash" });
    expect(done.errors[0].reason).toMatch(/signal|exit/);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);

    // A measurement past its budget is killed and fails with `timeout` (a child cannot even start in 0.2 s).
    const slow = await measure({
      models: [MODEL],
      resolutions: [48],
      metrics: ["throughput"],
      provider: "CPU",
      maxSecondsPerCell: 0.2,
    });
    const timedOut = await waitForEnd(slow.id);
    expect(timedOut.errors).toMatchObject([{ metric: "throughput", reasonKind: "timeout" }]);
    for (const w of workers.splice(0)) await w.stop();

    // A child past its memory budget is killed and its cell fails with `oom` (node alone needs more than 20 MB).
    await startWorker({ memoryBytes: 20_000_000 });
    const big = await measure({
      models: [MODEL],
      resolutions: [64],
      metrics: ["inferenceMemoryB1"],
      provider: "CPU",
    });
    const oom = await waitForEnd(big.id);
    expect(oom.errors).toMatchObject([{ metric: "inferenceMemoryB1", reasonKind: "oom" }]);
    for (const w of workers.splice(0)) await w.stop();
  });

  it("kills a running measurement when its job is cancelled, and hands a job back when its worker stops", async () => {
    const slow = {
      ...QUICK_SETTINGS,
      latency: {
        warmupRuns: 1,
        minRuns: 5,
        minDurationMs: 60_000,
        maxRuns: 1_000_000,
        maxDurationMs: 60_000,
      },
    };
    const events: string[] = [];
    const worker = await startWorker({
      settings: slow,
      leaseMs: 1_500,
      onEvent: (e) => e.type === "finished" && events.push(`${e.jobId}:${e.status}`),
    });
    const running = async (id: string) => {
      for (;;) {
        const j = await job(id);
        if (j.status === "RUNNING" && j.progress.running > 0) return j;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const a = await measure({
      models: [MODEL],
      resolutions: [112],
      metrics: ["latencyP50Ms"],
      provider: "CPU",
    });
    expect((await running(a.id)).current).toMatchObject({
      modelName: MODEL,
      resolution: 112,
      task: "latency",
    });
    const cancelled = await api.graphql(
      `mutation($id: ID!) { cancelMeasurement(id: $id) { status } }`,
      { id: a.id },
      AUTH,
    );
    expect(cancelled.data.cancelMeasurement.status).toBe("CANCELLED");
    while (!events.includes(`${a.id}:cancelled`)) await new Promise((r) => setTimeout(r, 100));
    const after = await job(a.id);
    expect(after.cells).toMatchObject([{ status: "CANCELLED", cellId: null }]);

    const b = await measure({
      models: [MODEL],
      resolutions: [128],
      metrics: ["latencyP50Ms"],
      provider: "CPU",
    });
    await running(b.id);
    await worker.stop();
    const back = await job(b.id);
    expect(back.status).toBe("QUEUED");
    expect(back.cells).toMatchObject([{ status: "PENDING", attempts: 0 }]);
    await api.graphql(`mutation($id: ID!) { cancelMeasurement(id: $id) { id } }`, { id: b.id }, AUTH);
    workers.splice(workers.indexOf(worker), 1);
  });

  it("never queues the same cell twice for identical concurrent requests, and cancels queued jobs", async () => {
    const input = {
      models: [MODEL],
      resolutions: [64],
      metrics: ["throughput"],
      provider: "CPU",
      force: true,
    };
    const [a, b] = await Promise.all([measure(input), measure(input)]);
    const [first, second] = Number(a.id) < Number(b.id) ? [a, b] : [b, a];
    expect(first.cells[0]).toMatchObject({ status: "PENDING" });
    // The second waits for the first's outcome instead of claiming a figure it does not have.
    expect(second.cells[0]).toMatchObject({
      status: "SKIPPED",
      reasonKind: "waiting",
      duplicateOfJobId: first.id,
    });
    expect(second.status).toBe("QUEUED");
    expect(second.progress).toMatchObject({ pending: 1, skipped: 0, fraction: 0 });

    const cancelled = await api.graphql(
      `mutation($id: ID!) { cancelMeasurement(id: $id) { status cells { status } } }`,
      { id: first.id },
      AUTH,
    );
    expect(cancelled.data.cancelMeasurement).toEqual({
      status: "CANCELLED",
      cells: [{ status: "CANCELLED" }],
    });
    expectError(
      await api.graphql(`mutation($id: ID!) { cancelMeasurement(id: $id) { id } }`, { id: first.id }, AUTH),
      "BAD_USER_INPUT",
      first.id,
    );
    expectError(
      await api.graphql(`mutation { cancelMeasurement(id: "424242") { id } }`, undefined, AUTH),
      "BAD_USER_INPUT",
      "424242",
    );
    // The cancelled cell is free again: a new request queues it.
    const third = await measure(input);
    expect(third.cells[0].status).toBe("PENDING");
    for (const id of [second.id, third.id])
      await api.graphql(`mutation($id: ID!) { cancelMeasurement(id: $id) { id } }`, { id }, AUTH);
  });

  it("settles a waiting cell by the outcome of the job it waited for: measured there, or measured here", async () => {
    const input = { models: [MODEL], resolutions: [48], metrics: ["params"], provider: "CPU", force: true };
    // A measures, B waits for A: B succeeds with A's figure, as measured by A.
    const a = await measure(input);
    const b = await measure(input);
    expect(b.cells[0]).toMatchObject({ status: "SKIPPED", reasonKind: "waiting", duplicateOfJobId: a.id });
    // C waits for a job that is then cancelled: C measures the cell itself.
    const c1 = await measure({ ...input, resolutions: [80] });
    const c = await measure({ ...input, resolutions: [80] });
    await api.graphql(`mutation($id: ID!) { cancelMeasurement(id: $id) { id } }`, { id: c1.id }, AUTH);
    const worker = await startWorker();
    const [doneA, doneB, doneC] = [await waitForEnd(a.id), await waitForEnd(b.id), await waitForEnd(c.id)];
    await worker.stop();
    workers.splice(workers.indexOf(worker), 1);
    expect(doneA.status).toBe("SUCCEEDED");
    expect(doneA.cells[0].status).toBe("DONE");
    expect(doneB.status).toBe("SUCCEEDED");
    expect(doneB.cells[0]).toMatchObject({
      status: "SKIPPED",
      reasonKind: "duplicate",
      reason: `measured by job ${a.id}`,
    });
    expect(doneB.progress).toMatchObject({ skipped: 1, pending: 0, fraction: 1 });
    expect(doneC.status).toBe("SUCCEEDED");
    expect(doneC.cells[0]).toMatchObject({ status: "DONE" });
    expect(doneC.cells[0].cellId).not.toBeNull();
  });

  it("never writes counts of a file onnxruntime cannot run, and a good file queued behind it is measured", async () => {
    // A file that parses and counts (weights and all) but that onnxruntime refuses: an opset from the future.
    const model = onnx.ModelProto.decode(readFileSync(join(ONNX_DIR, "tiny.onnx")));
    model.opsetImport![0].version = 999;
    writeFileSync(join(ONNX_DIR, "truncated.onnx"), onnx.ModelProto.encode(model).finish());
    const outside = `outside-${backend}.onnx`;
    symlinkSync("/etc/passwd", join(ONNX_DIR, outside));
    expectError(
      await api.graphql(MEASURE, { input: { models: [MODEL], resolutions: [96], onnxPath: outside } }, AUTH),
      "BAD_USER_INPUT",
      "inside FAVOR_ONNX_DIR",
    );
    const file = { models: [MODEL], resolutions: [96], metrics: ["params"], provider: "CPU", force: true };
    const bad = await measure({ ...file, onnxPath: "truncated.onnx" });
    const fine = await measure({ ...file, onnxPath: "tiny.onnx" });
    expect(fine.cells[0]).toMatchObject({
      status: "SKIPPED",
      reasonKind: "waiting",
      duplicateOfJobId: bad.id,
    });
    expect(fine.request.onnxPath).toBe("tiny.onnx");
    expect(JSON.stringify(fine)).not.toContain(ONNX_DIR);
    const worker = await startWorker();
    const [doneBad, doneFine] = [await waitForEnd(bad.id), await waitForEnd(fine.id)];
    await worker.stop();
    workers.splice(workers.indexOf(worker), 1);
    expect(doneBad.status).toBe("FAILED");
    expect(doneBad.cells[0]).toMatchObject({ status: "FAILED", cellId: null });
    expect(doneBad.cells[0].reason).toMatch(/no counts are written/);
    expect(JSON.stringify(doneBad)).not.toContain(ONNX_DIR);
    expect(doneFine.status).toBe("SUCCEEDED");
    expect(doneFine.cells[0].status).toBe("DONE");
    const rows = await api.data(
      `query($d: ID) { models(device: $d, filter: { name: "${MODEL}", resolutions: [96] }) { edges { node { metrics(keys: ["params"]) { value provenance } } } } }`,
      { d: deviceId },
    );
    const [params] = rows.models.edges[0].node.metrics;
    expect(params.value).toBe(314);
    expect(params.provenance.job).toBe(Number(fine.id));
  });

  it("measures a user's .onnx file from FAVOR_ONNX_DIR as a model@resolution, with the file in the provenance", async () => {
    expectError(
      await api.graphql(
        MEASURE,
        { input: { models: [MODEL], resolutions: [96], onnxPath: "../tiny.onnx" } },
        AUTH,
      ),
      "BAD_USER_INPUT",
      "../tiny.onnx",
    );
    expectError(
      await api.graphql(
        MEASURE,
        { input: { models: [MODEL], resolutions: [96, 112], onnxPath: "tiny.onnx" } },
        AUTH,
      ),
      "BAD_USER_INPUT",
      "exactly one model and one resolution",
    );
    const worker = await startWorker();
    const queued = await measure({
      models: [MODEL],
      resolutions: [96],
      metrics: ["params", "latencyP50Ms"],
      provider: "CPU",
      onnxPath: "tiny.onnx",
    });
    const done = await waitForEnd(queued.id);
    expect(done.status, JSON.stringify(done.errors)).toBe("SUCCEEDED");
    const rows = await api.graphql(
      `query($d: ID) { models(device: $d, filter: { name: "${MODEL}", resolutions: [96] }) { edges { node { metrics(keys: ["params", "latencyP50Ms"]) { key value provenance } } } } }`,
      { d: deviceId },
    );
    const [params, latency] = rows.data.models.edges[0].node.metrics;
    expect(params.value).toBe(314);
    // Clients see the path relative to FAVOR_ONNX_DIR, never the host folder.
    expect(latency.provenance.graphSource).toMatchObject({ kind: "file", path: "tiny.onnx" });
    expect(JSON.stringify(done)).not.toContain(ONNX_DIR);
    expect(latency.provenance.graphSource.sha256).toMatch(/^[0-9a-f]{64}$/);
    await worker.stop();
    workers.splice(workers.indexOf(worker), 1);
  });

  it("bounds the queue and lists jobs by state with cursors", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(
        (
          await measure({
            models: [MODEL],
            resolutions: [32 + 16 * (i + 3)],
            metrics: ["throughput"],
            provider: "CPU",
          })
        ).id,
      );
    expectError(
      await api.graphql(
        MEASURE,
        { input: { models: [MODEL], resolutions: [224], metrics: ["throughput"], provider: "CPU" } },
        AUTH,
      ),
      "QUEUE_FULL",
      "4",
    );
    const page = await api.graphql(
      `{ measurementJobs(status: [QUEUED], first: 3) { totalCount pageInfo { hasNextPage endCursor } edges { node { id status } } } }`,
    );
    expect(page.data.measurementJobs.totalCount).toBe(4);
    expect(page.data.measurementJobs.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      [...ids].reverse().slice(0, 3),
    );
    const rest = await api.graphql(
      `query($a: String) { measurementJobs(status: [QUEUED], first: 3, after: $a) { edges { node { id } } } }`,
      {
        a: page.data.measurementJobs.pageInfo.endCursor,
      },
    );
    expect(rest.data.measurementJobs.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[0]]);
    for (const id of ids)
      await api.graphql(`mutation($id: ID!) { cancelMeasurement(id: $id) { id } }`, { id }, AUTH);
  });
});

describe("mutations without FAVOR_TOKENS", () => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer("pglite", { config: { tokens: [] } })));
  afterAll(() => api?.stop());

  it("are refused even with a token", async () => {
    const result = await api.graphql(
      `mutation { measure(input: { models: ["${MODEL}"] }) { id } }`,
      undefined,
      AUTH,
    );
    expectError(result, "FORBIDDEN", "FAVOR_TOKENS");
  });
});
