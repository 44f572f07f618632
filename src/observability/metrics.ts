import type { IncomingMessage } from "node:http";

import type { ApolloServerPlugin } from "@apollo/server";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Favor's Prometheus metrics (prom-client), one registry per process, served at GET /metrics by the API (and by
 * `npm run worker` on METRICS_PORT). Counters and histograms count what this process did; the gauges read from
 * the database at each scrape (data version, queue depth, heartbeats) say what all processes sharing it see.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];
/** Seconds: 1 ms to 10 s for requests. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: 0.1 s to 20 min for one measurement task (a profiler child or a graph analysis). */
const MEASUREMENT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200];

export const httpRequests = new Counter({
  name: "favor_http_requests_total",
  help: "HTTP requests answered, by method, route and status code",
  labelNames: ["method", "route", "status"] as const,
  registers,
});
export const httpDuration = new Histogram({
  name: "favor_http_request_duration_seconds",
  help: "HTTP request latency from arrival to the last byte, by method and route",
  labelNames: ["method", "route"] as const,
  buckets: REQUEST_BUCKETS,
  registers,
});
export const graphqlOperations = new Counter({
  name: "favor_graphql_operations_total",
  help: "GraphQL operations executed (answers from the response cache are counted in favor_response_cache_total), by type, name and outcome",
  labelNames: ["type", "name", "outcome"] as const,
  registers,
});
export const graphqlDuration = new Histogram({
  name: "favor_graphql_operation_duration_seconds",
  help: "GraphQL operation latency (parse to response), by type and name",
  labelNames: ["type", "name"] as const,
  buckets: REQUEST_BUCKETS,
  registers,
});
export const responseCacheLookups = new Counter({
  name: "favor_response_cache_total",
  help: "Cacheable GraphQL requests, by result: hit (answered from the response cache) or miss",
  labelNames: ["result"] as const,
  registers,
});
export const dataVersionGauge = new Gauge({
  name: "favor_data_version",
  help: "The database's data version (bumped by every write to models, runs, cells, devices, metrics)",
  registers,
});
export const queueJobs = new Gauge({
  name: "favor_measurement_jobs",
  help: "Measurement jobs in the queue (all processes), by status",
  labelNames: ["status"] as const,
  registers,
});
export const queueCells = new Gauge({
  name: "favor_measurement_job_cells",
  help: "Cells of measurement jobs (all processes), by status",
  labelNames: ["status"] as const,
  registers,
});
export const measurementDuration = new Histogram({
  name: "favor_measurement_duration_seconds",
  help: "Wall time of one measurement task by this process's worker (graph analysis or profiler child), by task and outcome",
  labelNames: ["task", "outcome"] as const,
  buckets: MEASUREMENT_BUCKETS,
  registers,
});
export const measurementFailures = new Counter({
  name: "favor_measurement_failures_total",
  help: "Cells this process's worker failed, by reason (timeout, oom, crash, invalid-graph, unsupported-op, unstable, …)",
  labelNames: ["reason"] as const,
  registers,
});
export const measurementCells = new Counter({
  name: "favor_measurement_cells_total",
  help: "Cells this process's worker finished, by outcome: measured, skipped or failed",
  labelNames: ["outcome"] as const,
  registers,
});
export const workerHeartbeats = new Counter({
  name: "favor_worker_heartbeats_total",
  help: "Lease renewals sent by this process's worker, by worker and result (renewed, lost, cancelled, error)",
  labelNames: ["worker", "result"] as const,
  registers,
});
export const workerLastHeartbeat = new Gauge({
  name: "favor_worker_last_heartbeat_timestamp_seconds",
  help: "Last heartbeat of each worker holding a running job (all processes), in seconds since the epoch",
  labelNames: ["worker"] as const,
  registers,
});

/** Content type of the exposition format. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** What the database says at a scrape: the queue by status, running workers' heartbeats, the data version. */
export interface DatabaseGauges {
  readonly jobs: ReadonlyArray<{ readonly status: string; readonly count: number }>;
  readonly cells: ReadonlyArray<{ readonly status: string; readonly count: number }>;
  readonly heartbeats: ReadonlyArray<{ readonly workerId: string; readonly heartbeatSeconds: number }>;
  readonly dataVersion: number | null;
}

/**
 * Returns the exposition text: first the database gauges are read with `readGauges` (the caller's database
 * queries; a rejection propagates) so that a scrape shows the queue as it is now.
 */
export async function renderMetrics(readGauges: () => Promise<DatabaseGauges>): Promise<string> {
  const gauges = await readGauges();
  queueJobs.reset();
  for (const status of JOB_STATUSES) queueJobs.set({ status }, 0);
  for (const row of gauges.jobs) queueJobs.set({ status: row.status }, row.count);
  queueCells.reset();
  for (const status of CELL_STATUSES) queueCells.set({ status }, 0);
  for (const row of gauges.cells) queueCells.set({ status: row.status }, row.count);
  workerLastHeartbeat.reset();
  for (const row of gauges.heartbeats)
    workerLastHeartbeat.set({ worker: row.workerId }, row.heartbeatSeconds);
  if (gauges.dataVersion !== null) dataVersionGauge.set(gauges.dataVersion);
  return registry.metrics();
}

const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"];
const CELL_STATUSES = ["pending", "running", "done", "failed", "skipped", "cancelled"];

/** Operation names kept as label values; past this many distinct names the rest count as "other". */
const MAX_OPERATION_NAMES = 200;
const operationNames = new Set<string>();
const requestOperations = new WeakMap<IncomingMessage, string>();

/** Returns a label-safe operation name: the client's when short and plain (and among the first 200), else "other" or "anonymous". */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return "anonymous";
  if (!/^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name)) return "other";
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES) return "other";
  operationNames.add(name);
  return name;
}

/** The GraphQL operation (type and name) a request ran, for its access log line. */
export function operationOf(req: IncomingMessage): string | undefined {
  return requestOperations.get(req);
}

/** An Apollo plugin that counts and times every executed operation by type, name and outcome. */
export function graphqlMetricsPlugin(): ApolloServerPlugin<{ req?: IncomingMessage }> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, operationName, errors, response, contextValue }) {
          const type = operation?.operation ?? "unknown";
          const name = operationLabel(operationName);
          const bodyErrors = response.body.kind === "single" && response.body.singleResult.errors;
          const outcome = (errors?.length ?? 0) > 0 || (bodyErrors && bodyErrors.length > 0) ? "error" : "ok";
          graphqlOperations.inc({ type, name, outcome });
          graphqlDuration.observe({ type, name }, Number(process.hrtime.bigint() - started) / 1e9);
          if (contextValue?.req) requestOperations.set(contextValue.req, `${type} ${name}`);
        },
      };
    },
  };
}
