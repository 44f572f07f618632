import { type Client, createClient, type FormattedExecutionResult } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";

import type { MeasurementWorker } from "../../src/jobs/measurement-worker.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";
import { startTestWorker } from "../helpers/test-worker.js";

const TOKEN = "test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MODEL = "ViT-Ti/16";
const RESOLUTION = 32;

const JOB_FIELDS = `id status progress { total done failed skipped pending running cancelled fraction } current cells { status }`;
const MEASURE = `mutation($input: MeasureInput!) { measure(input: $input) { ${JOB_FIELDS} } }`;
const PROGRESS = `subscription($id: ID!) { measurementJobProgress(id: $id) { ${JOB_FIELDS} } }`;

interface Progress {
  total: number;
  done: number;
  failed: number;
  skipped: number;
  pending: number;
  running: number;
  cancelled: number;
  fraction: number;
}
interface JobUpdate {
  id: string;
  status: string;
  progress: Progress;
}

/** What one subscription delivered: its results in order, and how it ended (complete, or the error/close event). */
interface Delivery {
  results: Array<FormattedExecutionResult<{ measurementJobProgress: JobUpdate }, unknown>>;
  ended: Promise<{ kind: "complete" } | { kind: "error"; error: unknown }>;
  /** Resolves with the first result. */
  first: Promise<void>;
  unsubscribe: () => void;
}

function subscribe(client: Client, id: string): Delivery {
  const results: Delivery["results"] = [];
  let firstSeen!: () => void;
  const first = new Promise<void>((resolve) => (firstSeen = resolve));
  let unsubscribe!: () => void;
  const ended = new Promise<{ kind: "complete" } | { kind: "error"; error: unknown }>((resolve) => {
    unsubscribe = client.subscribe<{ measurementJobProgress: JobUpdate }>(
      { query: PROGRESS, variables: { id } },
      {
        next: (result) => {
          results.push(result);
          firstSeen();
        },
        error: (error) => resolve({ kind: "error", error }),
        complete: () => resolve({ kind: "complete" }),
      },
    );
  });
  return { results, ended, first, unsubscribe };
}

describe.each(BACKENDS)("measurementJobProgress subscription over graphql-ws (%s)", (backend) => {
  let api: TestServer;
  let client: Client;
  const workers: MeasurementWorker[] = [];

  const measure = async (input: Record<string, unknown>): Promise<JobUpdate> => {
    const result = await api.graphql(MEASURE, { input }, AUTH);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data.measure;
  };
  const startWorker = async () => {
    const worker = await startTestWorker(api);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    api = await startTestServer(backend, { config: { tokens: [TOKEN] } });
    // The ws URL of the same server and path as HTTP GraphQL; no retries, so a closed socket is reported at once.
    client = createClient({
      url: `${api.url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await client?.dispose();
    await api?.stop();
  });

  it("streams a job from queued to succeeded in order of progress, then completes", async () => {
    // Two cells in two groups (static count, then latency), so the worker reports progress in between.
    const queued = await measure({
      models: [MODEL],
      resolutions: [RESOLUTION],
      metrics: ["params", "latencyP50Ms"],
      provider: "CPU",
    });
    expect(queued.status).toBe("QUEUED");

    const delivery = subscribe(client, queued.id);
    await delivery.first;
    // No worker yet: the first update is the queued job as the query shows it.
    await startWorker();
    expect(await delivery.ended).toEqual({ kind: "complete" });

    const updates = delivery.results.map((r) => {
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      return r.data!.measurementJobProgress;
    });
    expect(updates[0]).toMatchObject({
      id: queued.id,
      status: "QUEUED",
      progress: { total: 2, pending: 2, done: 0, fraction: 0 },
    });
    const last = updates.at(-1)!;
    expect(last.status).toBe("SUCCEEDED");
    expect(last.progress).toMatchObject({ total: 2, done: 2, pending: 0, running: 0, fraction: 1 });
    // Only the last update is terminal, progress never goes back, and each update says something new.
    expect(updates.slice(0, -1).every((u) => ["QUEUED", "RUNNING"].includes(u.status))).toBe(true);
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i].progress.done).toBeGreaterThanOrEqual(updates[i - 1].progress.done);
      expect(updates[i].progress.fraction).toBeGreaterThanOrEqual(updates[i - 1].progress.fraction);
      expect(JSON.stringify(updates[i])).not.toBe(JSON.stringify(updates[i - 1]));
    }
  });

  it("answers an ended job with itself and completes", async () => {
    // The cells exist now: the job succeeds at once with both skipped.
    const ended = await measure({
      models: [MODEL],
      resolutions: [RESOLUTION],
      metrics: ["params", "latencyP50Ms"],
    });
    expect(ended.status).toBe("SUCCEEDED");
    const delivery = subscribe(client, ended.id);
    expect(await delivery.ended).toEqual({ kind: "complete" });
    expect(delivery.results.map((r) => r.data?.measurementJobProgress)).toEqual([ended]);
  });

  it("rejects an unknown or invalid job id with BAD_USER_INPUT naming it", async () => {
    for (const id of ["999999", "abc"]) {
      const delivery = subscribe(client, id);
      expect(await delivery.ended).toEqual({ kind: "complete" });
      expect(delivery.results).toHaveLength(1);
      const [result] = delivery.results;
      expect(result.data ?? null).toBeNull();
      expect(result.errors, JSON.stringify(result)).toHaveLength(1);
      expect(result.errors![0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(result.errors![0].message).toContain(id);
      expect(result.errors![0].path).toEqual(["measurementJobProgress"]);
    }
  });

  it("validates subscriptions as HTTP queries are validated", async () => {
    const ended = await new Promise<unknown>((resolve) =>
      client.subscribe(
        { query: `subscription { measurementJobProgress(id: "1") { nope } }` },
        { next: () => {}, error: resolve, complete: () => resolve(null) },
      ),
    );
    expect(Array.isArray(ended), JSON.stringify(ended)).toBe(true);
    expect((ended as Array<{ message: string }>)[0].message).toContain("nope");
  });

  it("lets clients unsubscribe, and stop() closes the subscriptions still open (going away, 1001)", async () => {
    for (const w of workers.splice(0)) await w.stop();
    // No worker: these jobs stay queued, so their subscriptions stay open.
    const left = await measure({
      models: [MODEL],
      resolutions: [RESOLUTION],
      metrics: ["latencyP90Ms"],
      provider: "CPU",
    });
    const open = await measure({
      models: [MODEL],
      resolutions: [RESOLUTION],
      metrics: ["latencyP99Ms"],
      provider: "CPU",
    });
    const leaving = subscribe(client, left.id);
    const staying = subscribe(client, open.id);
    await Promise.all([leaving.first, staying.first]);
    leaving.unsubscribe();
    expect(staying.results.map((r) => r.data?.measurementJobProgress.status)).toEqual(["QUEUED"]);

    // stop() does not wait for the open subscription; the client sees its socket closed as going away (1001).
    await api.server.stop();
    const end = await staying.ended;
    expect(end.kind).toBe("error");
    expect((end as { error: { code?: number } }).error.code).toBe(1001);
  });
});
