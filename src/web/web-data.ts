/**
 * The data the /plots and /export endpoints read, through the data service's own use cases (catalogue, runs) and
 * the Pareto analysis (the `paretoFront` query's service), so the endpoints share the API's filters, figure rule,
 * fronts and error messages.
 */

import type { Services, SortField, SortSpec, SubjectFilter } from "../services/index.js";
import { MAX_PAGE_SIZE } from "../services/index.js";
import { HttpError } from "./http-error.js";
import type { MetricConstraint, RunFilterParams } from "./query-params.js";

/** A catalogue entry as the endpoints need it. */
export interface CatalogueMetric {
  key: string;
  label: string;
  unit: string;
  direction: string;
  stage: string;
}

/** One run with its model and its figures (raw numbers, units as in the catalogue). */
export interface ExportRun {
  id: string;
  experimentId: string;
  runName: string;
  /** As recorded, "dd.mm.yyyy hh:mm:ss"; with the name it identifies a run across databases. */
  runDate: string;
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
  /** Keys of the figures Favor measured (the rest are the paper's). */
  measured: string[];
}

/** Ranks of a Pareto analysis over runs: which are optimal (rank 1) and each run's rank. */
export interface FrontResult {
  optimal: Set<string>;
  ranks: Map<string, number>;
}

// Non-metric orderings the API knows (OrderField); anything else is taken as a metric key.
const ORDER_FIELDS: Record<string, SortField> = {
  name: "NAME",
  model: "NAME",
  family: "FAMILY",
  size: "SIZE",
  taxonomyClass: "TAXONOMY_CLASS",
  resolution: "RESOLUTION",
  pretrainResolution: "PRETRAIN_RESOLUTION",
  runId: "RUN_ID",
  gpuCount: "GPU_COUNT",
};

/** Returns the endpoints' data access over the services. Client mistakes become HttpError 400 with the service's message. */
export function createWebData(services: Services) {
  return {
    /** Returns the metric catalogue. */
    async metrics(): Promise<CatalogueMetric[]> {
      return (await services.catalog.listMetrics()).map((m) => ({
        key: m.key,
        label: m.label,
        unit: m.unit,
        direction: m.direction,
        stage: m.stage,
      }));
    },
    /**
     * Returns the Pareto ranks of the runs that pass the filters over the metrics `keys` (directions from the
     * catalogue), computed by the analysis service that answers GraphQL's `paretoFront`; runs missing one of the
     * figures are left out (the caller draws only complete points).
     */
    async front(filters: RunFilterParams, keys: readonly string[]): Promise<FrontResult> {
      return asHttp(async () => {
        const analysis = await services.analysis.paretoFront(
          keys.map((metric) => ({ metric })),
          { filter: subjectFilter(filters), device: filters.device ?? null, level: "run" },
        );
        const result: FrontResult = { optimal: new Set(), ranks: new Map() };
        for (const point of analysis.points) {
          const id = String(point.subject.run!.id);
          result.ranks.set(id, point.rank);
          if (point.optimal) result.optimal.add(id);
        }
        return result;
      });
    },
    /** Returns every run that passes the filters (figures for `filters.device`), in the order asked for. */
    async runs(filters: RunFilterParams, orderBy?: { key: string; desc: boolean }): Promise<ExportRun[]> {
      return asHttp(async () => {
        const deviceId =
          filters.device === undefined ? null : (await services.catalog.device(filters.device)).id;
        const devices = new Map((await services.catalog.listDevices()).map((d) => [d.id, d.name]));
        const direction = orderBy?.desc ? "DESC" : "ASC";
        const order: SortSpec[] | null = orderBy
          ? [
              ORDER_FIELDS[orderBy.key]
                ? { field: ORDER_FIELDS[orderBy.key], direction }
                : { metric: orderBy.key, direction },
            ]
          : null;
        const out: ExportRun[] = [];
        for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
          const page = await services.runs.list(
            subjectFilter(filters),
            order,
            { offset, limit: MAX_PAGE_SIZE },
            deviceId,
          );
          for (const s of page.subjects) {
            const run = s.run!;
            const values: Record<string, number> = {};
            const batchSizes: Record<string, number> = {};
            const measured: string[] = [];
            for (const [key, cell] of s.values) {
              values[key] = cell.value;
              if (cell.batchSize !== null) batchSizes[key] = cell.batchSize;
              if (cell.source === "measured") measured.push(key);
            }
            out.push({
              id: String(run.id),
              experimentId: run.experimentId,
              runName: run.runName,
              runDate: run.runDate,
              model: s.model.name,
              sourceId: s.model.sourceId,
              family: s.model.family,
              taxonomyClass: s.model.taxonomyClass,
              changesWhat: s.model.changesWhat,
              changesHow: s.model.changesHow,
              pretrainResolution: run.pretrainResolution,
              resolution: run.resolution,
              gpu: devices.get(run.deviceId) ?? "",
              gpuCount: run.gpuCount,
              values,
              batchSizes,
              measured,
            });
          }
          if (offset + MAX_PAGE_SIZE >= page.totalCount) return out;
        }
      });
    },
  };
}

/** The data access object `createWebData` returns. */
export type WebData = ReturnType<typeof createWebData>;

/** Returns the service filter (SubjectFilter, as the `filter` argument of runs/models) for the endpoints' filters. */
export function subjectFilter(filters: RunFilterParams): SubjectFilter {
  const filter: SubjectFilter = {};
  if (filters.name !== undefined) filter.name = filters.name;
  if (filters.nameContains !== undefined) filter.nameContains = filters.nameContains;
  if (filters.family.length) filter.families = filters.family;
  if (filters.taxonomyClass.length) filter.taxonomyClasses = filters.taxonomyClass;
  if (filters.changesWhat.length) filter.changesWhat = filters.changesWhat;
  if (filters.resolution.length) filter.resolutions = filters.resolution;
  if (filters.pretrainResolution.length) filter.pretrainResolutions = filters.pretrainResolution;
  if (filters.where.length) filter.metrics = filters.where.map(constraint);
  return filter;
}

function constraint(c: MetricConstraint) {
  return { metric: c.metric, op: c.op.toUpperCase() as Uppercase<typeof c.op>, value: c.value };
}

// The services report client mistakes as GraphQL BAD_USER_INPUT errors whose messages name the value.
async function asHttp<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // Duck-typed: graphql may be loaded twice (ESM and CJS builds), which defeats instanceof.
    const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
    if (code === "BAD_USER_INPUT") throw new HttpError(400, (error as Error).message);
    throw error;
  }
}
