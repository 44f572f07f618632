import { type SQL, sql } from "drizzle-orm";

import { type FavorDb, queryRows, queryRowsPrepared } from "../client.js";
import type { MetricRow, ModelRow, RunRow } from "../schema/index.js";
import { FIGURE_PREFERENCE, figureMatchSql } from "./figure-rule.js";
import { jsonColumn, jsonObjectColumn } from "./json-column.js";

/**
 * The SQL over subjects: what figures belong to and what lists, filters, orderings and aggregates range over.
 *
 * - `run`: one of the paper's fine-tuning runs (90), with its model, resolutions and figures.
 * - `modelResolution`: one row per (model, fine-tune resolution). When a configuration has several paper runs
 *   (7 do), the row takes ALL its paper figures from the single run the duplicate-run rule picks
 *   ({@link representativeRunsSql}), and says which run that is (`runId`) and how many there were (`runCount`).
 *   Nothing is averaged, so every figure is exactly one the paper published. A (model, resolution) that only has
 *   Favor's own measurements appears too, with no run.
 *
 * Filters, orderings and the figures returned all pick cells by the figure rule of ./figure-rule.ts.
 */
export type SubjectLevel = "run" | "modelResolution";

/** Comparison operators of a metric constraint. */
export type ComparisonOperator = "EQ" | "NE" | "GT" | "GTE" | "LT" | "LTE" | "IN";

export type SortField =
  | "NAME"
  | "FAMILY"
  | "SIZE"
  | "TAXONOMY_CLASS"
  | "RESOLUTION"
  | "PRETRAIN_RESOLUTION"
  | "RUN_ID"
  | "GPU_COUNT";

/** Columns aggregates can group by. */
export type AggregateGroupBy = "TAXONOMY_CLASS" | "FAMILY" | "RESOLUTION" | "CHANGES_WHAT";

/** One figure as returned to clients. */
export interface CellValue {
  id: number;
  metricKey: string;
  value: number;
  batchSize: number | null;
  deviceId: number | null;
  source: "paper" | "measured";
  /** Not loaded with the figure (it is large and rarely asked for): see {@link cellProvenance}. */
  jobId: number | null;
  createdAt: Date;
  /** Whether the figure belongs to the paper run or to the model@resolution (a measurement). */
  owner: SubjectLevel;
}

/** A run or model@resolution row with its model, its (representative) run and all its cells. */
export interface SubjectRow {
  model: ModelRow;
  resolution: number;
  /** The run (level `run`), or the representative run of a model@resolution (null when only measured). */
  run: RunRow | null;
  /** Paper runs of this (model, resolution). */
  runCount: number;
  /** The figure of each catalogue metric the subject has, picked by the figure rule, in catalogue order. */
  cells: CellValue[];
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
  /** Figures by metric key, picked by the figure rule (src/db/queries/figure-rule.ts), in catalogue order. */
  values: Map<string, CellValue>;
}

/**
 * One row of a subject page: which subject it is (`key`: model, resolution and run, unique within a level and
 * device selection) and its subject row, parsed only when asked (a caller that already holds the subject at this
 * data version skips the parse of its figures and hyperparameters).
 */
export interface SubjectPageRow {
  key: string;
  parse(): SubjectRow;
}

/** A validated subject filter: every part given must hold (names already resolved to rows). */
export interface SubjectConditions {
  modelId?: number;
  /** Case-insensitive substring of the display name or benchmark id. */
  nameContains?: string;
  families?: readonly string[];
  taxonomyClasses?: readonly string[];
  changesWhat?: readonly string[];
  resolutions?: readonly number[];
  pretrainResolutions?: readonly number[];
  runIds?: readonly number[];
  modelIds?: readonly number[];
  metrics?: ReadonlyArray<MetricCondition>;
}

/** "the subject's figure of `metric` `op` value(s)"; a subject without the figure never matches. */
export type MetricCondition =
  | { metric: MetricRow; op: "IN"; values: readonly number[] }
  | { metric: MetricRow; op: Exclude<ComparisonOperator, "IN">; value: number };

/** One validated ordering key: a field or a metric; missing figures sort last. */
export type SubjectOrder =
  | { field: SortField; direction: "ASC" | "DESC" }
  | { metric: MetricRow; direction: "ASC" | "DESC" };

/** What {@link subjectPage} reads. */
export interface SubjectPageQuery {
  level: SubjectLevel;
  where: SubjectConditions;
  order: readonly SubjectOrder[];
  deviceId: number | null;
  limit: number;
  offset: number;
  /**
   * Keys ({@link SubjectPageRow.key}) of subjects the caller already holds for this level and device at this data
   * version: their rows come without figures and hyperparameters (PostgreSQL neither gathers nor sends them), and
   * their `parse` must not be called.
   */
  known?: readonly string[];
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

const GROUP_COLUMNS: Record<AggregateGroupBy, SQL> = {
  TAXONOMY_CLASS: sql`m.taxonomy_class`,
  FAMILY: sql`m.family`,
  RESOLUTION: sql`s.resolution::text`,
  CHANGES_WHAT: sql`m.changes_what`,
};

/**
 * Returns the SQL subquery of all subjects of a level: columns model_id, resolution, run_id (nullable), run_count.
 * The model@resolution form implements the rule in this file's header.
 */
function subjectsSql(level: SubjectLevel): SQL {
  if (level === "run") {
    return sql`SELECT r.model_id, r.resolution, r.id AS run_id, 1 AS run_count FROM runs r`;
  }
  return sql`
    SELECT b.model_id, b.resolution, b.run_id, b.run_count FROM (${representativeRunsSql(sql``)}) b
    UNION ALL
    SELECT DISTINCT c.model_id, c.resolution, NULL::int, 0 FROM cells c
    WHERE c.run_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.model_id = c.model_id AND r.resolution = c.resolution)`;
}

/**
 * THE DUPLICATE-RUN RULE, its one home: of several paper runs of one (model, resolution), the model@resolution
 * row takes the run with the highest top-1 accuracy (a run without one last; ties: the lowest run id). Returns
 * the SQL of one row per (model, resolution) among the runs `runWhere` keeps: model_id, resolution, the chosen
 * run_id and run_count (how many runs there were).
 */
function representativeRunsSql(runWhere: SQL): SQL {
  return sql`SELECT DISTINCT ON (r.model_id, r.resolution) r.model_id, r.resolution, r.id AS run_id,
        count(*) OVER (PARTITION BY r.model_id, r.resolution)::int AS run_count
      FROM runs r
      LEFT JOIN cells a ON a.run_id = r.id AND a.metric_key = 'accuracyTop1' AND a.device_id IS NULL
      ${runWhere}
      ORDER BY r.model_id, r.resolution, a.value DESC NULLS LAST, r.id`;
}

/**
 * Returns which of `runIds` the duplicate-run rule picks among themselves: one per (model, resolution), for a
 * caller that chose its runs with a run-level filter first (the scaling comparison).
 */
export async function representativeRunIds(db: FavorDb, runIds: readonly number[]): Promise<Set<number>> {
  if (runIds.length === 0) return new Set();
  const rows = await queryRows<{ run_id: number }>(
    db,
    representativeRunsSql(
      sql`WHERE r.id IN (${sql.join(
        runIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    ),
  );
  return new Set(rows.map((r) => Number(r.run_id)));
}

/**
 * Returns the SQL expression of subject `s`'s value of `metric` for the device selection (the lookup rule above);
 * usable in WHERE, ORDER BY and aggregates over `subjectsSql` aliased `s`.
 */
function metricValueSql(metric: MetricRow, deviceId: number | null): SQL {
  const runDevice = figureMatchSql(metric.perDevice, deviceId, "run");
  const mrDevice = figureMatchSql(metric.perDevice, deviceId, "modelResolution");
  return sql`COALESCE(
    (SELECT c.value FROM cells c WHERE c.run_id = s.run_id AND c.metric_key = ${metric.key} AND ${runDevice}
      ORDER BY ${FIGURE_PREFERENCE} LIMIT 1),
    (SELECT c.value FROM cells c WHERE c.run_id IS NULL AND c.model_id = s.model_id AND c.resolution = s.resolution
      AND c.metric_key = ${metric.key} AND ${mrDevice} ORDER BY ${FIGURE_PREFERENCE} LIMIT 1))`;
}

/** Returns the WHERE parts of validated conditions, over `subjectsSql(level) s JOIN models m LEFT JOIN runs r`. */
function conditionsSql(where: SubjectConditions, deviceId: number | null): SQL[] {
  const parts: SQL[] = [];
  const inList = (column: SQL, values: ReadonlyArray<string | number>) =>
    values.length
      ? sql`${column} IN (${sql.join(
          values.map((v) => sql`${v}`),
          sql`, `,
        )})`
      : sql`FALSE`;
  if (where.modelId !== undefined) parts.push(sql`m.id = ${where.modelId}`);
  if (where.nameContains !== undefined) {
    const pattern = `%${where.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push(sql`(m.name ILIKE ${pattern} OR m.source_id ILIKE ${pattern})`);
  }
  if (where.families) parts.push(inList(sql`m.family`, where.families));
  if (where.taxonomyClasses) parts.push(inList(sql`m.taxonomy_class`, where.taxonomyClasses));
  if (where.changesWhat) parts.push(inList(sql`m.changes_what`, where.changesWhat));
  if (where.resolutions) parts.push(inList(sql`s.resolution`, where.resolutions));
  if (where.pretrainResolutions) parts.push(inList(sql`r.pretrain_resolution`, where.pretrainResolutions));
  if (where.runIds) parts.push(inList(sql`s.run_id`, where.runIds));
  if (where.modelIds) parts.push(inList(sql`s.model_id`, where.modelIds));
  for (const condition of where.metrics ?? []) {
    const value = metricValueSql(condition.metric, deviceId);
    if (condition.op === "IN") {
      parts.push(
        sql`${value} IN (${sql.join(
          condition.values.map((v) => sql`${v}::double precision`),
          sql`, `,
        )})`,
      );
    } else {
      parts.push(sql`${value} ${OPERATORS[condition.op]} ${condition.value}::double precision`);
    }
  }
  return parts;
}

function whereSql(where: SubjectConditions, deviceId: number | null): SQL {
  const parts = conditionsSql(where, deviceId);
  return parts.length ? sql`WHERE ${sql.join(parts, sql` AND `)}` : sql``;
}

/**
 * Returns one page of subjects (with the figure of each catalogue metric the figure rule picks) matching `query.where` in `query.order` order (then model
 * name, resolution, run id), and how many match in all.
 */
export async function subjectPage(
  db: FavorDb,
  query: SubjectPageQuery,
): Promise<{ rows: SubjectPageRow[]; totalCount: number }> {
  const where = whereSql(query.where, query.deviceId);
  const { limit, offset } = query;
  // One round trip: the page (ordering keys exported as o0, o1, ... so the outer query keeps the order) and, per
  // row, the cells the figure rule picks (one per metric, in catalogue order) as one JSON array (cheaper to parse
  // than a row per cell). The JSON columns come as text, parsed only for a row the caller asks to parse.
  const runCell = figureMatchSql(sql`k.per_device`, query.deviceId, "run");
  const mrCell = figureMatchSql(sql`k.per_device`, query.deviceId, "modelResolution");
  const keys = query.order.map((o, i) => ({
    expr: "field" in o ? SORT_FIELDS[o.field] : metricValueSql(o.metric, query.deviceId),
    direction: o.direction === "DESC" ? sql`DESC` : sql`ASC`,
    name: sql.raw(`o${i}`),
  }));
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
  // The known keys travel as one text parameter, so that the statement's text (and its prepared plan) stays the
  // same however many there are. Keys are digits and colons.
  const known = (query.known ?? []).join(",");
  const rows = await queryRowsPrepared<RawSubjectRow>(
    db,
    sql`SELECT ${OUTER_COLUMNS},
        CASE WHEN page.known THEN NULL ELSE page.hp::text END AS r_hyperparameters,
        CASE WHEN page.known THEN NULL ELSE page.php::text END AS r_pretrain_hyperparameters,
        CASE WHEN page.known THEN NULL ELSE COALESCE((
          SELECT json_agg(json_build_array(p.id, p.run_id IS NOT NULL, p.metric_key, p.value, p.batch_size, p.device_id,
                                           p.source, p.job_id, p.created_at) ORDER BY p.stage, p.metric_key)
          FROM (
            SELECT DISTINCT ON (c.metric_key) c.id, c.run_id, c.metric_key, c.value, c.batch_size, c.device_id,
                   c.source, c.job_id, c.created_at, k.stage
            FROM cells c JOIN metrics k ON k.key = c.metric_key
            WHERE (c.run_id = page.run_id AND ${runCell})
               OR (c.run_id IS NULL AND c.model_id = page.model_id AND c.resolution = page.resolution AND ${mrCell})
            ORDER BY c.metric_key, c.run_id IS NULL, ${FIGURE_PREFERENCE}
          ) p
        ), '[]'::json)::text END AS cells
        FROM (
          SELECT ${SELECT_COLUMNS}, count(*) OVER ()::int AS total_count,
            (s.model_id::text || ':' || s.resolution::text || ':' || COALESCE(s.run_id::text, ''))
              = ANY(string_to_array(${known}::text, ',')) AS known
            ${sql.join(orderColumns, sql``)}
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
  if (rows.length === 0 && (offset > 0 || limit === 0))
    totalCount = await countSubjects(db, query.level, where);
  return {
    rows: rows.map((row) => ({
      key: `${row.model_id}:${row.resolution}:${row.run_id ?? ""}`,
      parse: () => {
        if (row.cells === null)
          throw new Error("subject page: a known subject's row has no figures to parse");
        return toSubjectRow(row);
      },
    })),
    totalCount,
  };
}

async function countSubjects(db: FavorDb, level: SubjectLevel, where: SQL): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM (${subjectsSql(level)}) s JOIN models m ON m.id = s.model_id
        LEFT JOIN runs r ON r.id = s.run_id ${where}`,
  );
  return row.n;
}

/** min/max/mean/count of one metric over one group of subjects. */
export interface AggregateRow {
  group: string;
  /** Subjects of the group that have the figure. */
  count: number;
  /** All subjects of the group. */
  subjects: number;
  min: number | null;
  max: number | null;
  mean: number | null;
}

/**
 * Returns one row per group (ordered by group; resolutions numerically) with the count, min, max and mean of
 * `metric`'s figure over the subjects of `level` matching `where`.
 */
export async function subjectAggregates(
  db: FavorDb,
  query: {
    level: SubjectLevel;
    where: SubjectConditions;
    metric: MetricRow;
    groupBy: AggregateGroupBy;
    deviceId: number | null;
  },
): Promise<AggregateRow[]> {
  const rows = await queryRows<{
    grp: string;
    n: number;
    total: number;
    min: number | string | null;
    max: number | string | null;
    mean: number | string | null;
  }>(
    db,
    sql`SELECT grp, count(v)::int AS n, count(*)::int AS total, min(v) AS min, max(v) AS max, avg(v) AS mean
        FROM (
          SELECT ${GROUP_COLUMNS[query.groupBy]} AS grp, ${metricValueSql(query.metric, query.deviceId)} AS v
          FROM (${subjectsSql(query.level)}) s JOIN models m ON m.id = s.model_id LEFT JOIN runs r ON r.id = s.run_id
          ${whereSql(query.where, query.deviceId)}
        ) t
        GROUP BY grp
        ORDER BY ${query.groupBy === "RESOLUTION" ? sql`grp::int` : sql`grp`}`,
  );
  const num = (v: number | string | null) => (v == null ? null : Number(v));
  return rows.map((row) => ({
    group: row.grp,
    count: row.n,
    subjects: row.total,
    min: num(row.min),
    max: num(row.max),
    mean: num(row.mean),
  }));
}

/** Returns the provenance of the cells with these ids, by id. */
export async function cellProvenance(
  db: FavorDb,
  cellIds: readonly number[],
): Promise<Map<number, Record<string, unknown>>> {
  if (cellIds.length === 0) return new Map();
  const rows = await queryRows<{ id: number; provenance: unknown }>(
    db,
    sql`SELECT id, provenance FROM cells WHERE id IN (${sql.join(
      cellIds.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
  return new Map(rows.map((row) => [Number(row.id), jsonObjectColumn(row.provenance)]));
}

const SELECT_COLUMNS = sql`
  s.model_id, s.resolution, s.run_id, s.run_count,
  m.name AS m_name, m.source_id AS m_source_id, m.family AS m_family, m.size AS m_size, m.patch_size AS m_patch_size,
  m.taxonomy_class AS m_taxonomy_class, m.changes_what AS m_changes_what, m.changes_how AS m_changes_how,
  r.experiment_id AS r_experiment_id, r.run_name AS r_run_name, r.run_date AS r_run_date, r.device_id AS r_device_id,
  r.gpu_count AS r_gpu_count, r.pretrain_resolution AS r_pretrain_resolution, r.pretrain_dataset AS r_pretrain_dataset,
  r.dataset AS r_dataset, r.hyperparameters AS hp, r.pretrain_hyperparameters AS php`;

/** What the page query's outer SELECT passes on from SELECT_COLUMNS (all but the hyperparameters and `known`). */
const OUTER_COLUMNS = sql.raw(
  [
    "model_id",
    "resolution",
    "run_id",
    "run_count",
    "m_name",
    "m_source_id",
    "m_family",
    "m_size",
    "m_patch_size",
    "m_taxonomy_class",
    "m_changes_what",
    "m_changes_how",
    "r_experiment_id",
    "r_run_name",
    "r_run_date",
    "r_device_id",
    "r_gpu_count",
    "r_pretrain_resolution",
    "r_pretrain_dataset",
    "r_dataset",
    "total_count",
  ]
    .map((column) => `page.${column}`)
    .join(", "),
);

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
  /** JSON text. */
  r_hyperparameters: string | null;
  /** JSON text (null without a run, or for a known subject). */
  r_pretrain_hyperparameters: string | null;
  total_count: number;
  /** JSON text: an array of [id, isRunCell, metricKey, value, batchSize, deviceId, source, jobId, createdAt]; null for a known subject. */
  cells: string | null;
}

/** Parses the page query's per-row JSON array of cells. */
function parseCells(value: unknown): CellValue[] {
  const list = jsonColumn(value) as unknown[][];
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

function toSubjectRow(row: RawSubjectRow): SubjectRow {
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
          hyperparameters: jsonObjectColumn(row.r_hyperparameters),
          pretrainHyperparameters: jsonObjectColumn(row.r_pretrain_hyperparameters),
        };
  return { model, resolution: row.resolution, run, runCount: row.run_count, cells: parseCells(row.cells) };
}
