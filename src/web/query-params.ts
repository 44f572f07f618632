/**
 * Query parameters of the /plots and /export endpoints: parsed strictly, so a typo is an HTTP 400 naming the
 * parameter and value instead of a silently unfiltered answer. Metric keys are checked later, against the catalogue.
 */
import { badStringReason, DEFAULT_MAX_LIST } from "../limits/input-limits.js";
import { HttpError } from "./http-error.js";

/** A constraint on one metric, as in `where=accuracyTop1:gte:0.8`. */
export interface MetricConstraint {
  metric: string;
  op: ConstraintOp;
  value: number;
}

export type ConstraintOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte";

/** The filters shared by /export and /plots: those of the `runs`/`models` queries' `filter` and `device`. */
export interface RunFilterParams {
  /** Exact display name or benchmark id. */
  name?: string;
  /** Case-insensitive substring of the name or benchmark id. */
  nameContains?: string;
  family: string[];
  taxonomyClass: string[];
  changesWhat: string[];
  resolution: number[];
  pretrainResolution: number[];
  where: MetricConstraint[];
  /** Device id or name for per-device figures; omitted = the paper's. */
  device?: string;
}

/** What /export/runs.* accepts on top of the filters. */
export interface ExportParams extends RunFilterParams {
  orderBy?: { key: string; desc: boolean };
}

/** What /plots/*.svg accepts on top of the filters. */
export interface PlotParams extends RunFilterParams {
  x: string;
  y: string;
  xScale: "auto" | "linear" | "log";
  yScale: "auto" | "linear" | "log";
  front: "none" | "2d" | "kd";
  /** Extra objectives of a k-D front (X and Y are always objectives). */
  objectives: string[];
  width: number;
  height: number;
  title?: string;
  labels: boolean;
}

const OPS: ReadonlyArray<ConstraintOp> = ["eq", "ne", "gt", "gte", "lt", "lte"];
const FILTER_KEYS = [
  "name",
  "nameContains",
  "family",
  "taxonomyClass",
  "changesWhat",
  "resolution",
  "pretrainResolution",
  "where",
  "device",
];
const EXPORT_KEYS = [...FILTER_KEYS, "orderBy"];
const PLOT_KEYS = [
  ...FILTER_KEYS,
  "x",
  "y",
  "xScale",
  "yScale",
  "front",
  "objectives",
  "width",
  "height",
  "title",
  "labels",
];

/** Returns the export parameters; throws HttpError 400 naming an unknown parameter or a malformed value. */
export function parseExportParams(query: URLSearchParams): ExportParams {
  rejectUnknown(query, EXPORT_KEYS);
  const params: ExportParams = parseFilters(query);
  const orderBy = single(query, "orderBy");
  if (orderBy !== undefined) {
    const m = /^([A-Za-z][\w]*)(?::(asc|desc))?$/.exec(orderBy);
    if (!m)
      throw new HttpError(
        400,
        `Bad orderBy "${orderBy}": use <field or metric>[:asc|:desc], e.g. orderBy=throughput:desc`,
      );
    params.orderBy = { key: m[1], desc: m[2] === "desc" };
  }
  return params;
}

/**
 * Returns the plot parameters; `front` defaults to `2d` for /plots/pareto.svg and `none` for the scatter.
 * Throws HttpError 400 naming the parameter and value that are wrong.
 */
export function parsePlotParams(
  query: URLSearchParams,
  defaults: { front: PlotParams["front"] },
): PlotParams {
  rejectUnknown(query, PLOT_KEYS);
  const x = single(query, "x") ?? "throughput";
  const y = single(query, "y") ?? "accuracyTop1";
  for (const [name, value] of [
    ["x", x],
    ["y", y],
  ]) {
    if (!/^[A-Za-z]\w*$/.test(value))
      throw new HttpError(400, `Bad ${name} "${value}": give a metric key such as accuracyTop1`);
  }
  const labels = oneOf(query, "labels", ["true", "false", "1", "0"], "true");
  return {
    ...parseFilters(query),
    x,
    y,
    xScale: oneOf(query, "xScale", ["auto", "linear", "log"], "auto"),
    yScale: oneOf(query, "yScale", ["auto", "linear", "log"], "auto"),
    front: oneOf(query, "front", ["none", "2d", "kd"], defaults.front),
    objectives: list(query, "objectives"),
    width: integer(query, "width", 640, 240, 2000),
    height: integer(query, "height", 420, 180, 1600),
    title: single(query, "title"),
    labels: labels === "true" || labels === "1",
  };
}

function parseFilters(query: URLSearchParams): RunFilterParams {
  const filters: RunFilterParams = {
    family: list(query, "family"),
    taxonomyClass: list(query, "taxonomyClass"),
    changesWhat: list(query, "changesWhat"),
    resolution: list(query, "resolution").map((v) => pixels("resolution", v)),
    pretrainResolution: list(query, "pretrainResolution").map((v) => pixels("pretrainResolution", v)),
    where: query.getAll("where").map(parseConstraint),
  };
  // Names may hold commas in principle, so these are single values, never split.
  for (const key of ["name", "nameContains", "device"] as const) {
    const value = single(query, key);
    if (value === undefined) continue;
    if (value.trim() === "")
      throw new HttpError(400, `Empty value in parameter "${key}": give a value or leave the parameter out`);
    filters[key] = value;
  }
  return filters;
}

/** Returns the constraint of `metric:op:value`; throws HttpError 400 naming the malformed text. */
export function parseConstraint(text: string): MetricConstraint {
  const parts = text.split(":");
  const [metric, op, raw] = parts;
  if (parts.length !== 3 || !/^[A-Za-z]\w*$/.test(metric)) {
    throw new HttpError(
      400,
      `Bad where "${text}": use where=<metric>:<op>:<number>, e.g. where=accuracyTop1:gte:0.8`,
    );
  }
  if (!OPS.includes(op as ConstraintOp)) {
    throw new HttpError(400, `Bad operator "${op}" in where "${text}": use one of ${OPS.join(", ")}`);
  }
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    throw new HttpError(
      400,
      `Bad value "${raw}" in where "${text}": give a number (accuracies are fractions 0-1, memory in bytes)`,
    );
  }
  return { metric, op: op as ConstraintOp, value };
}

/** Refuses unknown parameters, too many values and malformed strings (the same bounds as GraphQL arguments). */
function rejectUnknown(query: URLSearchParams, known: ReadonlyArray<string>): void {
  for (const key of new Set(query.keys())) {
    if (!known.includes(key))
      throw new HttpError(400, `Unknown parameter "${key}": known parameters are ${known.join(", ")}`);
    const values = query.getAll(key);
    const count = values.reduce((n, v) => n + v.split(",").length, 0);
    if (count > DEFAULT_MAX_LIST)
      throw new HttpError(
        400,
        `Parameter "${key}" has ${count} values; at most ${DEFAULT_MAX_LIST} are allowed`,
      );
    for (const value of values) {
      const reason = badStringReason(value);
      if (reason) throw new HttpError(400, `Parameter "${key}" ${reason}`);
    }
  }
}

function single(query: URLSearchParams, key: string): string | undefined {
  const all = query.getAll(key);
  if (all.length > 1)
    throw new HttpError(
      400,
      `Parameter "${key}" given ${all.length} times ("${all.join('", "')}"): give it once`,
    );
  return all[0];
}

// Repeated parameters and comma-separated lists both work: ?resolution=224&resolution=384 or ?resolution=224,384.
function list(query: URLSearchParams, key: string): string[] {
  const values = query
    .getAll(key)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim());
  const empty = values.indexOf("");
  if (empty >= 0)
    throw new HttpError(400, `Empty value in parameter "${key}": give a value or leave the parameter out`);
  return values;
}

function pixels(key: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new HttpError(400, `Bad ${key} "${value}": give a positive whole number of pixels, e.g. 224`);
  }
  return n;
}

function oneOf<T extends string>(
  query: URLSearchParams,
  key: string,
  allowed: ReadonlyArray<T>,
  fallback: T,
): T {
  const value = single(query, key);
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    throw new HttpError(400, `Bad ${key} "${value}": use one of ${allowed.join(", ")}`);
  return value as T;
}

function integer(query: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const value = single(query, key);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new HttpError(400, `Bad ${key} "${value}": give a whole number from ${min} to ${max}`);
  return n;
}
