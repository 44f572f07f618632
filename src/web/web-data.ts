/**
 * The data the /plots and /export endpoints read, fetched through Favor's own GraphQL schema (executed in
 * process), so these endpoints share the API's filters, validation and error messages instead of re-implementing them.
 */
import { HttpError } from "./http-error.js";
import type { MetricConstraint, RunFilterParams } from "./query-params.js";

/** Executes one GraphQL operation in process; resolves to the result's data and errors (never throws for them). */
export type GraphQLExecutor = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ data?: Record<string, unknown> | null; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }>;

/** A catalogue entry as the endpoints need it. */
export interface CatalogueMetric {
  key: string;
  label: string;
  unit: string;
  direction: string;
  stage: string;
}

/** One run with its model and its metric values (raw numbers, units as in the catalogue). */
export interface ExportRun {
  id: string;
  experimentId: string;
  runName: string;
  model: string;
  sourceId: string;
  family: string;
  taxonomyClass: string;
  changesWhat: string;
  changesHow: string;
  pretrainResolution: number;
  resolution: number;
  gpu: string;
  gpuCount: number;
  values: Record<string, number>;
  /** Batch size per metric where the figure has one (throughput). */
  batchSizes: Record<string, number>;
}

/** Result of a Pareto query: which runs are optimal, their ranks, and what was left out. */
export interface FrontResult {
  optimal: Set<string>;
  ranks: Map<string, number>;
  excluded: Array<{ count: number; reason: string }>;
}

const METRICS_QUERY = /* GraphQL */ `query WebMetrics { metrics { key label unit direction stage } }`;

/** Returns the endpoints' data access over a GraphQL executor. */
export function createWebData(execute: GraphQLExecutor) {
  const run = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const result = await execute(query, variables);
    if (result.errors?.length) {
      const bad = result.errors.find((e) => e.extensions?.code === "BAD_USER_INPUT" || e.extensions?.code === "GRAPHQL_VALIDATION_FAILED");
      // Client mistakes keep their message (it names the value); anything else is the server's fault.
      if (bad) throw new HttpError(400, bad.message);
      throw new Error(result.errors.map((e) => e.message).join("; "));
    }
    return result.data as T;
  };
  return {
    /** Returns the metric catalogue. */
    async metrics(): Promise<CatalogueMetric[]> {
      return (await run<{ metrics: CatalogueMetric[] }>(METRICS_QUERY, {})).metrics;
    },
    /** Returns every run that passes the filters, in the order asked for. */
    async runs(filters: RunFilterParams, orderBy?: { key: string; desc: boolean }): Promise<ExportRun[]> {
      const out: ExportRun[] = [];
      let after: string | null = null;
      for (;;) {
        const data: RunsPage = await run<RunsPage>(RUNS_QUERY, { ...runsVariables(filters, orderBy), first: PAGE, after });
        for (const { node } of data.runs.edges) out.push(toExportRun(node));
        if (!data.runs.pageInfo.hasNextPage) return out;
        after = data.runs.pageInfo.endCursor;
      }
    },
    /** Returns the Pareto front (ranks) of `objectives` among runs passing the filters. */
    async front(objectives: ReadonlyArray<{ metric: string; direction: string }>, filters: RunFilterParams): Promise<FrontResult> {
      const data = await run<FrontData>(FRONT_QUERY, frontVariables(objectives, filters));
      const optimal = new Set<string>();
      const ranks = new Map<string, number>();
      for (const p of data.paretoFront.points) {
        ranks.set(String(p.runId), p.rank);
        if (p.optimal) optimal.add(String(p.runId));
      }
      return { optimal, ranks, excluded: data.paretoFront.excluded ?? [] };
    },
  };
}

/** The data access object `createWebData` returns. */
export type WebData = ReturnType<typeof createWebData>;

const PAGE = 200;

const RUNS_QUERY = /* GraphQL */ `
  query WebRuns($first: Int!, $after: String, $where: RunFilter, $orderBy: [RunOrder!]) {
    runs(first: $first, after: $after, where: $where, orderBy: $orderBy) {
      pageInfo { hasNextPage endCursor }
      edges { node {
        id experimentId runName pretrainResolution resolution gpuCount
        device { name }
        model { name sourceId family taxonomyClass changesWhat changesHow }
        metrics { key value batchSize }
      } }
    }
  }`;

const FRONT_QUERY = /* GraphQL */ `
  query WebFront($objectives: [ObjectiveInput!]!, $where: [MetricConstraintInput!], $resolution: Int, $taxonomy: [String!], $device: ID) {
    paretoFront(objectives: $objectives, where: $where, resolution: $resolution, taxonomy: $taxonomy, device: $device) {
      points { runId rank optimal }
      excluded { count reason }
    }
  }`;

interface RunNode {
  id: string | number;
  experimentId: string;
  runName: string;
  pretrainResolution: number;
  resolution: number;
  gpuCount: number;
  device: { name: string } | null;
  model: { name: string; sourceId: string; family: string; taxonomyClass: string; changesWhat: string; changesHow: string };
  metrics: Array<{ key: string; value: number | null; batchSize: number | null }>;
}

interface RunsPage {
  runs: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: RunNode }> };
}

interface FrontData {
  paretoFront: { points: Array<{ runId: string | number; rank: number; optimal: boolean }>; excluded?: Array<{ count: number; reason: string }> };
}

function toExportRun(node: RunNode): ExportRun {
  const values: Record<string, number> = {};
  const batchSizes: Record<string, number> = {};
  for (const m of node.metrics) {
    if (m.value === null || m.value === undefined) continue;
    values[m.key] = m.value;
    if (m.batchSize !== null && m.batchSize !== undefined) batchSizes[m.key] = m.batchSize;
  }
  return {
    id: String(node.id),
    experimentId: node.experimentId,
    runName: node.runName,
    model: node.model.name,
    sourceId: node.model.sourceId,
    family: node.model.family,
    taxonomyClass: node.model.taxonomyClass,
    changesWhat: node.model.changesWhat,
    changesHow: node.model.changesHow,
    pretrainResolution: node.pretrainResolution,
    resolution: node.resolution,
    gpu: node.device?.name ?? "",
    gpuCount: node.gpuCount,
    values,
    batchSizes,
  };
}

function runsVariables(filters: RunFilterParams, orderBy?: { key: string; desc: boolean }): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  if (filters.model.length) where.model = filters.model;
  if (filters.family.length) where.family = filters.family;
  if (filters.taxonomyClass.length) where.taxonomyClass = filters.taxonomyClass;
  if (filters.resolution.length) where.resolution = filters.resolution;
  if (filters.pretrainResolution.length) where.pretrainResolution = filters.pretrainResolution;
  if (filters.where.length) where.metrics = filters.where.map(constraintInput);
  return { where, orderBy: orderBy ? [{ field: orderBy.key, direction: orderBy.desc ? "DESC" : "ASC" }] : null };
}

function frontVariables(objectives: ReadonlyArray<{ metric: string; direction: string }>, filters: RunFilterParams): Record<string, unknown> {
  return {
    objectives,
    where: filters.where.map(constraintInput),
    resolution: filters.resolution.length === 1 ? filters.resolution[0] : null,
    taxonomy: filters.taxonomyClass.length ? filters.taxonomyClass : null,
    device: filters.device ?? null,
  };
}

function constraintInput(c: MetricConstraint): Record<string, unknown> {
  return { metric: c.metric, [c.op]: c.value };
}
