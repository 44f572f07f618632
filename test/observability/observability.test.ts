import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { MeasurementWorker } from "../../src/jobs/measurement-worker.js";
import { errorSerializer } from "../../src/observability/logger.js";
import { BACKENDS, captureLogs, startTestServer, type TestServer } from "../helpers/test-server.js";
import { startTestWorker } from "../helpers/test-worker.js";

const TOKEN = "obs-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Returns the value of one sample of the exposition text (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe.each(BACKENDS)("logs and /metrics (%s)", (backend) => {
  let api: TestServer;
  let worker: MeasurementWorker;
  let logs: ReturnType<typeof captureLogs>;
  // Counters are per process and this file runs once per backend: compare with a scrape taken first.
  let baseline = "";
  let text = "";
  const delta = (name: string, labels: Record<string, string> = {}) =>
    (sample(text, name, labels) ?? 0) - (sample(baseline, name, labels) ?? 0);

  beforeAll(async () => {
    logs = captureLogs("debug");
    api = await startTestServer(backend, { config: { tokens: [TOKEN] } });
    baseline = await (await fetch(`${api.url}/metrics`)).text();
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    logs.restore();
  });

  it("gives every request an id (the client's x-request-id when plain, else a UUID) and logs one line for it", async () => {
    const mine = await fetch(`${api.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const made = await fetch(`${api.url}/healthz`, { headers: { "x-request-id": "no spaces <allowed>" } });
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const line = logs.lines.find((l) => l.msg === "request" && l.requestId === "abc-123");
    expect(line).toMatchObject({
      level: "info",
      method: "GET",
      path: "/healthz",
      status: 200,
      route: "/healthz",
    });
    expect(line?.durationMs).toBeGreaterThanOrEqual(0);
    // A client error is logged at debug with its code and the request's id.
    await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "bad-model" },
      body: JSON.stringify({ query: `{ model(name: "Nope-Net") { name } }` }),
    });
    expect(logs.lines.find((l) => l.msg === "client error" && l.requestId === "bad-model")).toMatchObject({
      level: "debug",
      code: "BAD_USER_INPUT",
    });
  });

  it("never logs a failed query's SQL parameters", async () => {
    const { db } = api.server.app.services.database;
    const error = await db.execute(sql`SELECT ${"secret-value-42"}::int AS n`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain("secret-value-42"); // drizzle's own message has it
    const logged = JSON.stringify(errorSerializer(error));
    expect(logged).not.toContain("secret-value-42");
    expect(logged).toContain("params: [redacted]");
    expect(JSON.parse(logged)).toMatchObject({ paramCount: 1, query: expect.stringContaining("$1") });
  });

  it("serves Prometheus metrics after traffic and a measurement job", async () => {
    const query = `query Catalogue { metrics { key } }`;
    for (let i = 0; i < 3; i++) expect((await api.graphql(query)).errors).toBeUndefined();
    const queued = await api.data(
      `mutation($input: MeasureInput!) { measure(input: $input) { id } }`,
      {
        input: {
          models: ["ViT-Ti/16"],
          resolutions: [32],
          metrics: ["params", "latencyP50Ms"],
          provider: "CPU",
        },
      },
      AUTH,
    );
    const enqueued = logs.lines.find((l) => l.msg === "job enqueued");
    expect(enqueued?.jobId).toBe(Number(queued.measure.id));
    expect(enqueued?.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const before = await (await fetch(`${api.url}/metrics`)).text();
    expect(sample(before, "favor_measurement_jobs", { status: "queued" })).toBe(1);

    worker = await startTestWorker(api, { log: undefined, heartbeatMs: 50 });
    for (;;) {
      const { measurementJob } = await api.data(`query($id: ID!) { measurementJob(id: $id) { status } }`, {
        id: queued.measure.id,
      });
      if (measurementJob.status !== "QUEUED" && measurementJob.status !== "RUNNING") {
        expect(measurementJob.status).toBe("SUCCEEDED");
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    const response = await fetch(`${api.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    text = await response.text();
    // HTTP and GraphQL counts and latency histograms.
    expect(
      delta("favor_http_requests_total", { method: "POST", route: "/graphql", status: "200" }),
    ).toBeGreaterThanOrEqual(5);
    expect(delta("favor_http_request_duration_seconds_count", { method: "GET", route: "/healthz" })).toBe(2);
    expect(delta("favor_graphql_operations_total", { type: "query", name: "Catalogue", outcome: "ok" })).toBe(
      1,
    );
    expect(
      delta("favor_graphql_operations_total", { type: "mutation", name: "anonymous", outcome: "ok" }),
    ).toBe(1);
    expect(
      delta("favor_graphql_operations_total", { type: "query", name: "anonymous", outcome: "error" }),
    ).toBe(1);
    expect(
      delta("favor_graphql_operation_duration_seconds_bucket", {
        type: "query",
        name: "Catalogue",
        le: "+Inf",
      }),
    ).toBe(1);
    // The first Catalogue query missed the response cache, the next two hit it.
    expect(delta("favor_response_cache_total", { result: "miss" })).toBeGreaterThanOrEqual(1);
    expect(delta("favor_response_cache_total", { result: "hit" })).toBeGreaterThanOrEqual(2);
    // The data version, as the database has it now.
    const version = await api.server.app.services.dataVersion.current();
    expect(sample(text, "favor_data_version")).toBe(version);
    // Queue depth by status, measurements by task and outcome, heartbeats.
    expect(sample(text, "favor_measurement_jobs", { status: "succeeded" })).toBe(1);
    expect(sample(text, "favor_measurement_jobs", { status: "queued" })).toBe(0);
    expect(sample(text, "favor_measurement_job_cells", { status: "done" })).toBe(2);
    expect(delta("favor_measurement_cells_total", { outcome: "measured" })).toBe(2);
    expect(delta("favor_measurement_duration_seconds_count", { task: "latency", outcome: "measured" })).toBe(
      1,
    );
    expect(delta("favor_measurement_duration_seconds_count", { task: "theory", outcome: "measured" })).toBe(
      1,
    );
    expect(text).toMatch(/^# TYPE favor_measurement_failures_total counter$/m);
    expect(
      delta("favor_worker_heartbeats_total", { worker: worker.workerId, result: "renewed" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);

    // The worker's lines carry the job's id.
    // The job's row says SUCCEEDED a moment before the worker writes its closing line: wait for that line.
    const deadline = Date.now() + 5000;
    while (!logs.lines.some((l) => l.outcome === "succeeded") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const finished = logs.lines.find((l) => l.outcome === "succeeded");
    expect(finished).toMatchObject({
      jobId: Number(queued.measure.id),
      workerId: worker.workerId,
      measured: 2,
    });
  });
});
