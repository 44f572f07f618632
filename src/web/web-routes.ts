/**
 * Favor's non-GraphQL HTTP routes: the dashboard page and its assets (/, /dashboard, /assets/*), server-side SVG
 * plots (/plots/pareto.svg, /plots/scatter.svg) and exports (/export/runs.csv, /export/runs.json).
 * Plots and exports read through the data service's use cases and the Pareto analysis module (see web-data.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import type { HttpRoute } from "../http/http-route.js";
import { logger } from "../observability/logger.js";
import { didYouMean, suggestNames } from "../services/name-match.js";
import { toCsv } from "./csv.js";
import { HttpError } from "./http-error.js";
import type { PlotPoint } from "./plot-spec.js";
import { buildScatterSpec, DATA_CREDIT } from "./plot-spec.js";
import type { PlotParams, RunFilterParams } from "./query-params.js";
import { parseExportParams, parsePlotParams } from "./query-params.js";
import { renderSvg } from "./render-svg.js";
import { createAssetLoader } from "./web-assets.js";
import type { CatalogueMetric, ExportRun, FrontResult, WebData } from "./web-data.js";
import { createWebData } from "./web-data.js";

/** Paths of the page and its assets (the asset table decides what exists under /assets). */
const PAGE_PATHS = /^\/(dashboard)?$|^\/assets\/[\w./-]+$/;

/**
 * Whether a request to /graphql is a browser opening it (GET or HEAD asking for HTML, no `query` parameter):
 * it gets the explorer page; everything else goes to the GraphQL endpoint.
 */
export function wantsExplorer(req: IncomingMessage, url: URL): boolean {
  return (
    (req.method === "GET" || req.method === "HEAD") &&
    !url.searchParams.has("query") &&
    (req.headers.accept ?? "").includes("text/html")
  );
}
const PLOT_PATHS = ["/plots/pareto.svg", "/plots/scatter.svg"] as const;
const EXPORT_PATHS = ["/export/runs.csv", "/export/runs.json"] as const;

const assets = createAssetLoader();

/** The dashboard's routes, registered in src/server.ts ROUTES: the page and assets, SVG plots, exports. */
export const WEB_ROUTES: HttpRoute[] = [
  {
    // Reached only when wantsExplorer says so (src/server.ts sends every other /graphql request to GraphQL).
    method: "GET",
    path: "/graphql",
    handle: (req, res, _app, url) => respond(req, res, url, () => serveAsset(req, res, url)),
  },
  {
    method: "GET",
    path: PAGE_PATHS,
    handle: (req, res, _app, url) => respond(req, res, url, () => serveAsset(req, res, url)),
  },
  ...PLOT_PATHS.map(
    (path): HttpRoute => ({
      method: "GET",
      path,
      handle: (req, res, app, url) =>
        respond(req, res, url, async () => {
          const params = parsePlotParams(url.searchParams, {
            front: path === "/plots/pareto.svg" ? "2d" : "none",
          });
          send(
            req,
            res,
            200,
            "image/svg+xml; charset=utf-8",
            await plotSvg(createWebData(app.services), params),
            { "cache-control": "no-cache" },
          );
        }),
    }),
  ),
  ...EXPORT_PATHS.map(
    (path): HttpRoute => ({
      method: "GET",
      path,
      handle: (req, res, app, url) =>
        respond(req, res, url, () => serveExport(req, res, url, createWebData(app.services))),
    }),
  ),
];

async function serveAsset(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const asset = await assets(url.pathname);
  if (!asset) throw new HttpError(404, `Not found: ${url.pathname}`);
  if (req.headers["if-none-match"] === asset.etag) {
    res.writeHead(304, { etag: asset.etag, "cache-control": asset.cacheControl }).end();
    return;
  }
  send(req, res, 200, asset.contentType, asset.body, {
    etag: asset.etag,
    "cache-control": asset.cacheControl,
  });
}

async function serveExport(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  data: WebData,
): Promise<void> {
  const params = parseExportParams(url.searchParams);
  const metrics = await data.metrics();
  checkMetrics(
    metrics,
    params.where.map((w) => ["where", w.metric] as const),
  );
  if (params.orderBy && !ORDERABLE_FIELDS.includes(params.orderBy.key))
    checkMetrics(metrics, [["orderBy", params.orderBy.key]]);
  const runs = await data.runs(params, params.orderBy);
  if (url.pathname.endsWith(".csv")) {
    send(req, res, 200, "text/csv; charset=utf-8", runsCsv(metrics, runs), {
      "content-disposition": 'inline; filename="favor-runs.csv"',
      "cache-control": "no-cache",
    });
  } else {
    send(req, res, 200, "application/json; charset=utf-8", JSON.stringify(runsJson(metrics, runs, params)), {
      "cache-control": "no-cache",
    });
  }
}

const ORDERABLE_FIELDS = [
  "name",
  "model",
  "family",
  "size",
  "taxonomyClass",
  "resolution",
  "pretrainResolution",
  "runId",
  "gpuCount",
];

// Client mistakes (HttpError) answer with their message as plain text; anything else is logged and masked.
async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof HttpError) {
      send(req, res, error.status, "text/plain; charset=utf-8", `${error.message}\n`);
      return;
    }
    logger.error({ err: error, code: "INTERNAL_SERVER_ERROR", path: url.pathname }, "web route failed");
    send(req, res, 500, "text/plain; charset=utf-8", "Internal server error\n");
  }
}

/** Returns the SVG of a scatter (with its front when asked) for validated plot parameters. */
async function plotSvg(data: WebData, params: PlotParams): Promise<string> {
  const metrics = await data.metrics();
  const byKey = checkMetrics(metrics, [
    ["x", params.x],
    ["y", params.y],
    ...params.objectives.map((o) => ["objectives", o] as const),
    ...params.where.map((w) => ["where", w.metric] as const),
  ]);
  const x = byKey.get(params.x)!;
  const y = byKey.get(params.y)!;
  const runs = await data.runs(params);
  let front: FrontResult | undefined;
  if (params.front !== "none") {
    const keys = [...new Set([params.x, params.y, ...(params.front === "kd" ? params.objectives : [])])];
    // Ranked over the runs that have every key (x and y among them): a k-D objective a run lacks leaves it out.
    front = await data.front(params, keys);
  }
  const points: PlotPoint[] = runs
    .filter((r) => Number.isFinite(r.values[params.x]) && Number.isFinite(r.values[params.y]))
    .map((r) => ({
      id: r.id,
      model: r.model,
      taxonomyClass: r.taxonomyClass,
      resolution: r.resolution,
      x: r.values[params.x],
      y: r.values[params.y],
      front: front?.optimal.has(r.id) ?? false,
      rank: front?.ranks.get(r.id) ?? null,
    }));
  if (points.length === 0) {
    throw new HttpError(
      400,
      `No run has both ${params.x} and ${params.y} under these filters: nothing to plot`,
    );
  }
  const scope = [
    params.resolution.length ? `at ${params.resolution.join("/")} px` : "",
    params.taxonomyClass.length ? params.taxonomyClass.join(", ") : "",
  ].filter(Boolean);
  const spec = buildScatterSpec({
    x,
    y,
    points,
    xScale: params.xScale,
    yScale: params.yScale,
    front: params.front,
    labelFront: params.labels,
    width: params.width,
    height: params.height,
    title: params.title ?? `${y.label} vs ${x.label}${scope.length ? ` (${scope.join("; ")})` : ""}`,
  });
  return renderSvg(spec);
}

/** Returns the catalogue by key; throws HttpError 400 naming the parameter and the unknown metric. */
function checkMetrics(
  metrics: CatalogueMetric[],
  asked: ReadonlyArray<readonly [string, string]>,
): Map<string, CatalogueMetric> {
  const byKey = new Map(metrics.map((m) => [m.key, m]));
  for (const [param, key] of asked) {
    if (!byKey.has(key)) {
      throw new HttpError(
        400,
        `Unknown metric "${key}" in ${param}.${didYouMean(suggestNames(key, [...byKey.keys()]))} Known metrics are ${metrics.map((m) => m.key).join(", ")}`,
      );
    }
  }
  return byKey;
}

const RUN_COLUMNS: ReadonlyArray<readonly [string, (r: ExportRun) => string | number]> = [
  ["run_id", (r) => r.id],
  ["experiment_id", (r) => r.experimentId],
  ["run_name", (r) => r.runName],
  ["run_date", (r) => isoDate(r.runDate)],
  ["model", (r) => r.model],
  ["source_id", (r) => r.sourceId],
  ["family", (r) => r.family],
  ["taxonomy_class", (r) => r.taxonomyClass],
  ["changes_what", (r) => r.changesWhat],
  ["changes_how", (r) => r.changesHow],
  ["pretrain_resolution [px]", (r) => r.pretrainResolution],
  ["resolution [px]", (r) => r.resolution],
  ["gpu", (r) => r.gpu],
  ["gpu_count [GPUs]", (r) => r.gpuCount],
  ["measured_metrics", (r) => r.measured.join(";")],
];

/** Returns the CSV of runs: one row per run, one column per metric with its unit in the header, raw values. */
export function runsCsv(metrics: ReadonlyArray<CatalogueMetric>, runs: ReadonlyArray<ExportRun>): string {
  const header = [...RUN_COLUMNS.map(([name]) => name)];
  for (const m of metrics) {
    header.push(columnName(m));
    if (m.key === "throughput") header.push("throughput_batch_size [images]");
  }
  const rows = runs.map((r) => {
    const row: Array<string | number | undefined> = RUN_COLUMNS.map(([, get]) => get(r));
    for (const m of metrics) {
      row.push(r.values[m.key]);
      if (m.key === "throughput") row.push(r.batchSizes[m.key]);
    }
    return row;
  });
  return toCsv(header, rows);
}

/** Returns the JSON export: units per field, the citation, the filters used and one flat record per run. */
export function runsJson(
  metrics: ReadonlyArray<CatalogueMetric>,
  runs: ReadonlyArray<ExportRun>,
  filters: RunFilterParams,
) {
  const units: Record<string, string> = {
    pretrainResolution: "px",
    resolution: "px",
    throughputBatchSize: "images",
  };
  for (const m of metrics) units[m.key] = m.unit;
  return {
    source: DATA_CREDIT,
    units,
    filters,
    count: runs.length,
    runs: runs.map((r) => {
      const record: Record<string, string | number | null> = {
        runId: r.id,
        experimentId: r.experimentId,
        runName: r.runName,
        runDate: r.runDate,
        model: r.model,
        sourceId: r.sourceId,
        family: r.family,
        taxonomyClass: r.taxonomyClass,
        changesWhat: r.changesWhat,
        changesHow: r.changesHow,
        pretrainResolution: r.pretrainResolution,
        resolution: r.resolution,
        gpu: r.gpu,
        gpuCount: r.gpuCount,
        measuredMetrics: r.measured.join(";"),
      };
      for (const m of metrics) record[m.key] = r.values[m.key] ?? null;
      record.throughputBatchSize = r.batchSizes.throughput ?? null;
      return record;
    }),
  };
}

// "count" adds nothing to a header; every other unit goes in brackets so pandas column names carry it.
/** Every numeric column names its unit: `params [count]`, `throughput [images/s]`. */
function columnName(metric: CatalogueMetric): string {
  return metric.unit ? `${metric.key} [${metric.unit}]` : metric.key;
}

/**
 * The source's run dates (`02.03.2023 12:17:34`, day first) as ISO 8601 (`2023-03-02T12:17:34`); the source gives no
 * time zone, so none is added. Anything else is passed through unchanged.
 */
export function isoDate(text: string): string {
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}:\d{2}:\d{2})$/.exec(text);
  return m ? `${m[3]}-${m[2]}-${m[1]}T${m[4]}` : text;
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, { "content-type": contentType, "content-length": String(bytes.length), ...headers });
  res.end(req.method === "HEAD" ? undefined : bytes);
}
