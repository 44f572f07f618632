import { type SQL, sql } from "drizzle-orm";
import { type FavorDb, queryRows } from "../db/client.js";
import type { MetricRow, ModelRow, RunRow } from "../db/schema/index.js";
import { BadUserInputError } from "../errors/index.js";
import type { CatalogService } from "./catalog.service.js";
import { type DataVersion, VersionedCache } from "./data-version.js";

/**
 * Subjects are what figures belong to and what lists, filters, orderings, aggregates (and the Pareto work) range over:
 *
 * - `run`: one of the paper's fine-tuning runs (90), with its model, resolutions and figures.
 * - `modelResolution`: one row per (model, fine-tune resolution). MODEL@RESOLUTION RULE: when a configuration has
 *   several paper runs (7 do), the row takes ALL its paper figures from the single run with the highest top-1
 *   accuracy (ties: the lowest run id), and says which run that is (`runId`) and how many there were (`runCount`).
 *   Nothing is averaged, so every figure is exactly one the paper published. A (model, resolution) that only has
 *   Favor's own measurements appears too, with no run.
 *
 * Figure lookup, the same in SQL (filters, orderings) and in code (values returned): a subject's value of metric K
 * for the device selection D is the subject's run cell, else the model@resolution cell (measurements), where
 * - K not per device: the cell without a device;
 * - K per device, D omitted: the paper's figure on the GPU the run recorded (run cells only);
 * - K per device, D given: the cell on device D.
 * Several matching cells (different batch sizes) → the largest batch size wins.
 */
export type SubjectLevel = "run" | "modelResolution";

/** Comparison operators of a metric constraint. */
export type ComparisonOperator = "EQ" | "NE" | "GT" | "GTE" | "LT" | "LTE" | "IN";

/** "metric `op` value(s)"; a subject without the figure never matches. */
export interface MetricConstraint {
  metric: string;
  op: ComparisonOperator;
  value?: number | null;
  values?: readonly number[] | null;
}

/** Filters shared by runs, model@resolution rows, aggregates and Pareto queries. All given parts must hold. */
export interface SubjectFilter {
  /** Exact display name or benchmark id. */
  name?: string | null;
  /** Case-insensitive substring of the display name or benchmark id. */
  nameContains?: string | null;
  families?: readonly string[] | null;
  taxonomyClasses?: readonly string[] | null;
  changesWhat?: readonly string[] | null;
  resolutions?: readonly number[] | null;
  pretrainResolutions?: readonly number[] | null;
  metrics?: readonly MetricConstraint[] | null;
  /** Internal: restrict to these run ids / model ids (not exposed as filter input). */
  runIds?: readonly number[];
  modelIds?: readonly number[];
}

export type SortField =
  | "NAME"
  | "FAMILY"
  | "SIZE"
  | "TAXONOMY_CLASS"
  | "RESOLUTION"
  | "PRETRAIN_RESOLUTION"
  | "RUN_ID"
  | "GPU_COUNT";

/** One ordering key: a field or a metric (exactly one), ascending or descending; missing figures sort last. */
export interface SortSpec {
  field?: SortField | null;
  metric?: string | null;
  direction?: "ASC" | "DESC" | null;
}

export interface SubjectQuery {
  level: SubjectLevel;
  filter?: SubjectFilter | null;
  orderBy?: readonly SortSpec[] | null;
  /** Device id for per-device metrics; null/undefined = the paper's own figures. */
  deviceId?: number | null;
  limit?: number;
  offset?: number;
}

/** One figure as returned to clients. */
export interface CellValue {
  id: number;
  metricKey: string;
  value: number;
  batchSize: number | null;
  deviceId: number | null;
  source: "paper" | "measured";
  /** Not loaded with the figure (it is large and rarely asked for): see SubjectQueryService.provenanceOf. */
  jobId: number | null;
  createdAt: Date;
  /** Whether the figure belongs to the paper run or to the model@resolution (a measurement). */
  owner: SubjectLevel;
}

/** A run or model@resolution row with its model, its (representative) run and all its figures for the device. */
export interface Subject {
  level: SubjectLevel;
  model: ModelRow;
  resolution: number;
  /** The run (level `run`), or the representative run of a model@resolution (null when only measured). */
  run: RunRow | null;
  /** Paper runs of this (model, resolution). */
  runCount: number;
  deviceId: number | null;
  /** Figures by metric key, picked by the lookup rule above. */
  values: Map<string, CellValue>;
}

export interface SubjectPage {
  subjects: Subject[];
  totalCount: number;
}

const OPERATORS: Record<Exclude<ComparisonOperator, "IN">, SQL> = {
  EQ: sql`=`,
  NE: sql`<>`,
  GT: sql`>`,
  GTE: sql`>=`,
  LT: sql`<`,
  LTE: sql`<=`,
};

const SORT_FIELDS: Record<SortField, SQL> = {
  NAME: sql`m.name`,
  FAMILY: sql`m.family`,
  SIZE: sql`m.size`,
  TAXONOMY_CLASS: sql`m.taxonomy_class`,
  RESOLUTION: sql`s.resolution`,
  PRETRAIN_RESOLUTION: sql`r.pretrain_resolution`,
  RUN_ID: sql`s.run_id`,
  GPU_COUNT: sql`r.gpu_count`,
};

/**
 * Returns the SQL subquery of all subjects of a level: columns model_id, resolution, run_id (nullable), run_count.
 * The model@resolution form implements the rule in this file's header.
 */
export function subjectsSql(level: SubjectLevel): SQL {
  if (level === "run") {
    return sql`SELECT r.model_id, r.resolution, r.id AS run_id, 1 AS run_count FROM runs r`;
  }
  return sql`
    SELECT b.model_id, b.resolution, b.run_id, b.run_count FROM (
      SELECT DISTINCT ON (r.model_id, r.resolution) r.model_id, r.resolution, r.id AS run_id,
        count(*) OVER (PARTITION BY r.model_id, r.resolution)::int AS run_count
      FROM runs r
      LEFT JOIN cells a ON a.run_id = r.id AND a.metric_key = 'accuracyTop1' AND a.device_id IS NULL
      ORDER BY r.model_id, r.resolution, a.value DESC NULLS LAST, r.id
    ) b
    UNION ALL
    SELECT DISTINCT c.model_id, c.resolution, NULL::int, 0 FROM cells c
    WHERE c.run_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.model_id = c.model_id AND r.resolution = c.resolution)`;
}

/**
 * Returns the SQL expression of subject `s`'s value of `metric` for the device selection (the lookup rule above);
 * usable in WHERE, ORDER BY and aggregates over `subjectsSql` aliased `s`.
 */
export function metricValueSql(metric: MetricRow, deviceId: number | null): SQL {
  const runDevice = !metric.perDevice
    ? sql`c.device_id IS NULL`
    : deviceId == null
      ? sql`TRUE`
      : sql`c.device_id = ${deviceId}`;
  const mrDevice = !metric.perDevice
    ? sql`c.device_id IS NULL`
    : deviceId == null
      ? sql`FALSE`
      : sql`c.device_id = ${deviceId}`;
  return sql`COALESCE(
    (SELECT c.value FROM cells c WHERE c.run_id = s.run_id AND c.metric_key = ${metric.key} AND ${runDevice}
      ORDER BY c.batch_size DESC NULLS LAST, c.id LIMIT 1),
    (SELECT c.value FROM cells c WHERE c.run_id IS NULL AND c.model_id = s.model_id AND c.resolution = s.resolution
      AND c.metric_key = ${metric.key} AND ${mrDevice} ORDER BY c.batch_size DESC NULLS LAST, c.id LIMIT 1))`;
}

/** Returns whether a cell is one the lookup rule may pick for `metric` and the device selection. */
export function cellMatches(cell: CellValue, metric: MetricRow, deviceId: number | null): boolean {
  if (!metric.perDevice) return cell.deviceId === null;
  if (deviceId == null) return cell.owner === "run";
  return cell.deviceId === deviceId;
}

/** Largest batch size first (missing last), then lowest id: the SQL's ORDER BY. */
function preferCell(a: CellValue, b: CellValue): number {
  if (a.batchSize !== b.batchSize) {
    if (a.batchSize === null) return 1;
    if (b.batchSize === null) return -1;
    return b.batchSize - a.batchSize;
  }
  return a.id - b.id;
}

/** A validated filter, ready to become SQL. */
interface CheckedQuery {
  where: SQL[];
  /** Ordering keys: an expression and its direction. */
  order: Array<{ expr: SQL; direction: SQL }>;
}

/** The subject-page cache's budget, in subjects held by all its pages together. */
export const SUBJECT_CACHE_MAX_SUBJECTS = 10_000;

/**
 * The reusable query over subjects: validates a filter/ordering (BAD_USER_INPUT naming any unknown model, family,
 * class, resolution, metric, device or a malformed constraint), runs it in SQL and returns one page of subjects
 * with their figures. Used by runs/models lists, aggregates, and the Pareto and correlation work.
 */
export class SubjectQueryService {
  /** Pages by filter, bounded by the subjects they hold in all (a full table is about 100): tens of MB at most. */
  private readonly cache = new VersionedCache<SubjectPage>(500, SUBJECT_CACHE_MAX_SUBJECTS, (page) =>
    Math.max(1, page.subjects.length),
  );

  constructor(
    private readonly db: FavorDb,
    private readonly catalog: CatalogService,
    private readonly version: DataVersion,
  ) {}

  /**
   * Returns one page of subjects matching `query`, and how many match in all. Pages are cached per data version
   * (one single-row read per call decides), so a figure written by any process is seen by the next call.
   * The subjects are shared with other callers: read them, do not mutate them (the array is yours).
   */
  async find(query: SubjectQuery): Promise<SubjectPage> {
    const version = await this.version.current();
    this.catalog.sync(version);
    const key = JSON.stringify([
      query.level,
      query.filter ?? null,
      query.orderBy ?? null,
      query.deviceId ?? null,
      query.limit ?? null,
      query.offset ?? null,
    ]);
    const page = await this.cache.get(key, version, () => this.load(query));
    return { subjects: [...page.subjects], totalCount: page.totalCount };
  }

  private async load(query: SubjectQuery): Promise<SubjectPage> {
    const deviceId = query.deviceId ?? null;
    const checked = await this.check(query.filter ?? {}, query.orderBy ?? [], deviceId);
    const where = checked.where.length ? sql`WHERE ${sql.join(checked.where, sql` AND `)}` : sql``;
    const limit = query.limit ?? 1_000_000;
    const offset = query.offset ?? 0;
    // One round trip: the page (ordering keys exported as o0, o1, ... so the outer query keeps the order) and, per
    // row, its cells as one JSON array (cheaper to parse than a row per cell).
    const keys = checked.order.map((o, i) => ({ ...o, name: sql.raw(`o${i}`) }));
    const orderColumns = keys.map((k) => sql`, ${k.expr} AS ${k.name}`);
    const innerOrder = [
      ...keys.map((k) => sql`${k.name} ${k.direction} NULLS LAST`),
      sql`m.name`,
      sql`s.resolution`,
      sql`s.run_id NULLS LAST`,
    ];
    const outerOrder = [
      ...keys.map((k) => sql`page.${k.name} ${k.direction} NULLS LAST`),
      sql`page.m_name`,
      sql`page.resolution`,
      sql`page.run_id NULLS LAST`,
    ];
    const rows = await queryRows<RawSubjectRow>(
      this.db,
      sql`SELECT page.*, COALESCE((
            SELECT json_agg(json_build_array(c.id, c.run_id IS NOT NULL, c.metric_key, c.value, c.batch_size, c.device_id,
                                             c.source, c.job_id, c.created_at) ORDER BY c.id)
            FROM cells c
            WHERE c.run_id = page.run_id OR (c.run_id IS NULL AND c.model_id = page.model_id AND c.resolution = page.resolution)
          ), '[]'::json) AS cells
          FROM (
            SELECT ${SELECT_COLUMNS}, count(*) OVER ()::int AS total_count ${sql.join(orderColumns, sql``)}
            FROM (${subjectsSql(query.level)}) s
            JOIN models m ON m.id = s.model_id
            LEFT JOIN runs r ON r.id = s.run_id
            ${where}
            ORDER BY ${sql.join(innerOrder, sql`, `)}
            LIMIT ${limit} OFFSET ${offset}
          ) page
          ORDER BY ${sql.join(outerOrder, sql`, `)}`,
    );
    let totalCount = rows[0]?.total_count ?? 0;
    // An empty page (past the end, or `first: 0`) carries no window count: count apart.
    if (rows.length === 0 && (offset > 0 || limit === 0)) totalCount = await this.count(query.level, where);
    const metrics = await this.catalog.listMetrics();
    const subjects = rows.map((row) => {
      const subject = toSubject(row, query.level, deviceId);
      pickValues(subject, parseCells(row.cells), metrics, deviceId);
      return subject;
    });
    return { subjects, totalCount };
  }

  /** Returns the provenance of the cells with these ids, by id. */
  async provenanceOf(cellIds: readonly number[]): Promise<Map<number, Record<string, unknown>>> {
    if (cellIds.length === 0) return new Map();
    const rows = await queryRows<{ id: number; provenance: unknown }>(
      this.db,
      sql`SELECT id, provenance FROM cells WHERE id IN (${sql.join(
        cellIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    return new Map(rows.map((row) => [Number(row.id), json(row.provenance)]));
  }

  /**
   * Returns the validated WHERE parts for `filter` and the SQL value expression of each metric named, for callers
   * that build their own statements over `subjectsSql(level) s JOIN models m LEFT JOIN runs r` (aggregates).
   */
  async filterSql(filter: SubjectFilter, deviceId: number | null): Promise<SQL[]> {
    return (await this.check(filter, [], deviceId)).where;
  }

  private async count(level: SubjectLevel, where: SQL): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.db,
      sql`SELECT count(*)::int AS n FROM (${subjectsSql(level)}) s JOIN models m ON m.id = s.model_id
          LEFT JOIN runs r ON r.id = s.run_id ${where}`,
    );
    return row.n;
  }

  private async check(
    filter: SubjectFilter,
    orderBy: readonly SortSpec[],
    deviceId: number | null,
  ): Promise<CheckedQuery> {
    const vocabulary = await this.catalog.vocabulary();
    const where: SQL[] = [];

    if (filter.name != null) {
      const model = await this.catalog.model(filter.name);
      where.push(sql`m.id = ${model.id}`);
    }
    if (filter.nameContains != null && filter.nameContains !== "") {
      const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(sql`(m.name ILIKE ${pattern} OR m.source_id ILIKE ${pattern})`);
    }
    const textIn = (
      values: readonly string[] | null | undefined,
      known: string[],
      what: string,
      column: SQL,
    ) => {
      if (values == null) return;
      for (const value of values) {
        if (!known.includes(value)) {
          throw new BadUserInputError(`Unknown ${what} "${value}". Known: ${known.join(", ")}`, {
            [camel(what)]: value,
          });
        }
      }
      where.push(
        values.length
          ? sql`${column} IN (${sql.join(
              values.map((v) => sql`${v}`),
              sql`, `,
            )})`
          : sql`FALSE`,
      );
    };
    textIn(filter.families, vocabulary.families, "family", sql`m.family`);
    textIn(filter.taxonomyClasses, vocabulary.taxonomyClasses, "taxonomy class", sql`m.taxonomy_class`);
    textIn(filter.changesWhat, vocabulary.changesWhat, "taxonomy category", sql`m.changes_what`);

    const intIn = (
      values: readonly number[] | null | undefined,
      known: number[],
      what: string,
      column: SQL,
    ) => {
      if (values == null) return;
      for (const value of values) {
        if (!known.includes(value)) {
          throw new BadUserInputError(`Unknown ${what} ${value}: known ${what}s are ${known.join(", ")}`, {
            [camel(what)]: value,
          });
        }
      }
      where.push(
        values.length
          ? sql`${column} IN (${sql.join(
              values.map((v) => sql`${v}`),
              sql`, `,
            )})`
          : sql`FALSE`,
      );
    };
    intIn(filter.resolutions, vocabulary.resolutions, "resolution", sql`s.resolution`);
    intIn(
      filter.pretrainResolutions,
      vocabulary.pretrainResolutions,
      "pre-train resolution",
      sql`r.pretrain_resolution`,
    );

    if (filter.runIds) {
      where.push(
        filter.runIds.length
          ? sql`s.run_id IN (${sql.join(
              filter.runIds.map((v) => sql`${v}`),
              sql`, `,
            )})`
          : sql`FALSE`,
      );
    }
    if (filter.modelIds) {
      where.push(
        filter.modelIds.length
          ? sql`s.model_id IN (${sql.join(
              filter.modelIds.map((v) => sql`${v}`),
              sql`, `,
            )})`
          : sql`FALSE`,
      );
    }

    for (const constraint of filter.metrics ?? []) {
      const metric = await this.catalog.metric(constraint.metric);
      const value = metricValueSql(metric, deviceId);
      if (constraint.op === "IN") {
        const values = constraint.values;
        if (!values || values.length === 0) {
          throw new BadUserInputError(
            `Constraint on "${constraint.metric}" with op IN needs a non-empty "values" list`,
            {
              metric: constraint.metric,
            },
          );
        }
        where.push(
          sql`${value} IN (${sql.join(
            values.map((v) => sql`${v}::double precision`),
            sql`, `,
          )})`,
        );
      } else {
        const operator = OPERATORS[constraint.op as Exclude<ComparisonOperator, "IN">];
        if (!operator)
          throw new BadUserInputError(`Unknown operator "${constraint.op}"`, { operator: constraint.op });
        if (constraint.value == null || !Number.isFinite(constraint.value)) {
          throw new BadUserInputError(
            `Constraint on "${constraint.metric}" with op ${constraint.op} needs a finite "value"`,
            { metric: constraint.metric },
          );
        }
        where.push(sql`${value} ${operator} ${constraint.value}::double precision`);
      }
    }

    const order: CheckedQuery["order"] = [];
    for (const spec of orderBy) {
      const direction = spec.direction === "DESC" ? sql`DESC` : sql`ASC`;
      if ((spec.field == null) === (spec.metric == null)) {
        throw new BadUserInputError('Each orderBy entry needs exactly one of "field" or "metric"', {
          orderBy: spec,
        });
      }
      if (spec.metric != null) {
        const metric = await this.catalog.metric(spec.metric);
        order.push({ expr: metricValueSql(metric, deviceId), direction });
      } else {
        const column = SORT_FIELDS[spec.field as SortField];
        if (!column)
          throw new BadUserInputError(`Unknown order field "${spec.field}"`, { field: spec.field });
        order.push({ expr: column, direction });
      }
    }
    return { where, order };
  }
}

/** Sets `subject.values` from its cells by the lookup rule: run cells first, then model@resolution cells. */
function pickValues(
  subject: Subject,
  cells: CellValue[],
  metrics: readonly MetricRow[],
  deviceId: number | null,
): void {
  const groups = [cells.filter((c) => c.owner === "run"), cells.filter((c) => c.owner === "modelResolution")];
  for (const metric of metrics) {
    for (const group of groups) {
      const best = group
        .filter((c) => c.metricKey === metric.key && cellMatches(c, metric, deviceId))
        .sort(preferCell)[0];
      if (best) {
        subject.values.set(metric.key, best);
        break;
      }
    }
  }
}

/** Parses the page query's per-row JSON array of cells. */
function parseCells(value: unknown): CellValue[] {
  const list = (typeof value === "string" ? JSON.parse(value) : value) as unknown[][];
  return list.map(([id, isRunCell, metricKey, cellValue, batchSize, deviceId, source, jobId, createdAt]) => ({
    id: Number(id),
    metricKey: metricKey as string,
    value: Number(cellValue),
    batchSize: batchSize as number | null,
    deviceId: deviceId as number | null,
    source: source as CellValue["source"],
    jobId: jobId == null ? null : Number(jobId),
    createdAt: new Date(createdAt as string),
    owner: isRunCell ? "run" : "modelResolution",
  }));
}

function camel(words: string): string {
  return words.replace(/[- ](\w)/g, (_, c: string) => c.toUpperCase());
}

const SELECT_COLUMNS = sql`
  s.model_id, s.resolution, s.run_id, s.run_count,
  m.name AS m_name, m.source_id AS m_source_id, m.family AS m_family, m.size AS m_size, m.patch_size AS m_patch_size,
  m.taxonomy_class AS m_taxonomy_class, m.changes_what AS m_changes_what, m.changes_how AS m_changes_how,
  r.experiment_id AS r_experiment_id, r.run_name AS r_run_name, r.run_date AS r_run_date, r.device_id AS r_device_id,
  r.gpu_count AS r_gpu_count, r.pretrain_resolution AS r_pretrain_resolution, r.pretrain_dataset AS r_pretrain_dataset,
  r.dataset AS r_dataset, r.hyperparameters AS r_hyperparameters, r.pretrain_hyperparameters AS r_pretrain_hyperparameters`;

interface RawSubjectRow {
  model_id: number;
  resolution: number;
  run_id: number | null;
  run_count: number;
  m_name: string;
  m_source_id: string;
  m_family: string;
  m_size: string;
  m_patch_size: number | null;
  m_taxonomy_class: string;
  m_changes_what: string;
  m_changes_how: string;
  r_experiment_id: string | null;
  r_run_name: string | null;
  r_run_date: string | null;
  r_device_id: number | null;
  r_gpu_count: number | null;
  r_pretrain_resolution: number | null;
  r_pretrain_dataset: string | null;
  r_dataset: string | null;
  r_hyperparameters: unknown;
  r_pretrain_hyperparameters: unknown;
  total_count: number;
  /** JSON array of [id, isRunCell, metricKey, value, batchSize, deviceId, source, jobId, createdAt]. */
  cells: unknown;
}

/** node-postgres returns jsonb parsed; be tolerant of a driver that returns text. */
function json(value: unknown): Record<string, unknown> {
  return (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
}

function toSubject(row: RawSubjectRow, level: SubjectLevel, deviceId: number | null): Subject {
  const model: ModelRow = {
    id: row.model_id,
    name: row.m_name,
    sourceId: row.m_source_id,
    family: row.m_family,
    size: row.m_size,
    patchSize: row.m_patch_size,
    taxonomyClass: row.m_taxonomy_class,
    changesWhat: row.m_changes_what,
    changesHow: row.m_changes_how,
  };
  const run: RunRow | null =
    row.run_id == null
      ? null
      : {
          id: row.run_id,
          modelId: row.model_id,
          experimentId: row.r_experiment_id!,
          runName: row.r_run_name!,
          runDate: row.r_run_date!,
          deviceId: row.r_device_id!,
          gpuCount: row.r_gpu_count!,
          pretrainResolution: row.r_pretrain_resolution!,
          resolution: row.resolution,
          pretrainDataset: row.r_pretrain_dataset!,
          dataset: row.r_dataset!,
          hyperparameters: json(row.r_hyperparameters),
          pretrainHyperparameters: json(row.r_pretrain_hyperparameters),
        };
  return {
    level,
    model,
    resolution: row.resolution,
    run,
    runCount: row.run_count,
    deviceId,
    values: new Map(),
  };
}
