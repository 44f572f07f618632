import { readFileSync } from "node:fs";

import { analyzeModel } from "../onnx/index.js";
import { catalogueModels } from "./catalogue.js";
import { REFERENCES_FILE, referenceCounts } from "./references.js";
import { describeModel, findModel } from "./registry.js";

/** One distinct (model, resolution, params, macs, flops) figure of the benchmark, compared with the zoo's graph. */
export interface ComparisonRow {
  /** Where the figures come from: a run of the benchmark data, or the paper code's own count (data/zoo-references.json). */
  source: "dataset" | "reference";
  model: string;
  sourceId: string;
  resolution: number;
  /** Runs in the data that share these figures (0 for a reference count). */
  runs: number;
  datasetParams: number;
  builtParams: number | null;
  datasetMacs: number | null;
  /** Zoo graph's MACs in the benchmark's (torchprofile) convention. */
  builtMacs: number | null;
  /** Zoo graph's MACs including Einsum. */
  builtMacsAll: number | null;
  datasetFlops: number | null;
  builtFlops: number | null;
  /** Why the zoo could not build it (unregistered model, build error). */
  error: string | null;
  /** The builder's documented reason when its parameter count differs from this figure. */
  deviation: string | null;
}

interface RunLike {
  sourceModelId: string;
  pretrainResolution: number;
  resolution: number;
  metrics: { params?: number; macs?: number; flops?: number };
}

/** Path of the project's seed file of the benchmark. */
export const BENCHMARK_FILE = new URL("../../../data/wtf-benchmark.json", import.meta.url);
/**
 * Returns one row per distinct (model, resolution, params, macs, flops) in the benchmark data, then one per
 * reference count of a model the data has no figures for, with the zoo's parameter count, MACs and FLOPs for
 * the same model and resolution (graphs built without weights).
 */
export function compareWithDataset(
  file: URL | string = BENCHMARK_FILE,
  references: URL | string = REFERENCES_FILE,
): ComparisonRow[] {
  const runs = (JSON.parse(readFileSync(file, "utf8")) as { runs: RunLike[] }).runs;
  const names = new Map(catalogueModels().map((m) => [m.sourceId, m.name]));
  const groups = new Map<string, { run: RunLike; count: number }>();
  for (const r of runs) {
    const key = [
      r.sourceModelId,
      r.pretrainResolution,
      r.resolution,
      r.metrics.params,
      r.metrics.macs,
      r.metrics.flops,
    ].join("|");
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { run: r, count: 1 });
  }
  const cache = new Map<string, { params: number; macs: number; all: number; flops: number } | string>();
  const rows: ComparisonRow[] = [];
  for (const { run, count } of groups.values()) {
    const cacheKey = `${run.sourceModelId}@${run.pretrainResolution}->${run.resolution}`;
    if (!cache.has(cacheKey))
      cache.set(cacheKey, measure(run.sourceModelId, run.resolution, run.pretrainResolution));
    const got = cache.get(cacheKey)!;
    const ok = typeof got === "string" ? null : got;
    rows.push({
      source: "dataset",
      model: names.get(run.sourceModelId) ?? run.sourceModelId,
      sourceId: run.sourceModelId,
      resolution: run.resolution,
      runs: count,
      datasetParams: run.metrics.params ?? NaN,
      builtParams: ok?.params ?? null,
      datasetMacs: run.metrics.macs ?? null,
      builtMacs: ok?.macs ?? null,
      builtMacsAll: ok?.all ?? null,
      datasetFlops: run.metrics.flops ?? null,
      builtFlops: ok?.flops ?? null,
      error: typeof got === "string" ? got : null,
      deviation:
        ok && ok.params !== run.metrics.params
          ? (findModel(run.sourceModelId)?.parameterDeviations?.[run.metrics.params ?? NaN] ?? null)
          : null,
    });
  }
  for (const ref of referenceCounts(references)) {
    const got = measure(ref.sourceId, ref.resolution, ref.resolution);
    const ok = typeof got === "string" ? null : got;
    rows.push({
      source: "reference",
      model: names.get(ref.sourceId) ?? ref.sourceId,
      sourceId: ref.sourceId,
      resolution: ref.resolution,
      runs: 0,
      datasetParams: ref.params,
      builtParams: ok?.params ?? null,
      datasetMacs: ref.macs,
      builtMacs: ok?.macs ?? null,
      builtMacsAll: ok?.all ?? null,
      datasetFlops: null,
      builtFlops: ok?.flops ?? null,
      error: typeof got === "string" ? got : null,
      deviation: ok && ok.params !== ref.params ? (ref.note ?? null) : null,
    });
  }
  const order = new Map(catalogueModels().map((m, i) => [m.sourceId, i]));
  return rows.sort(
    (a, b) => (order.get(a.sourceId) ?? 999) - (order.get(b.sourceId) ?? 999) || a.resolution - b.resolution,
  );
}

function measure(
  sourceId: string,
  resolution: number,
  pretrainResolution: number,
): { params: number; macs: number; all: number; flops: number } | string {
  if (!findModel(sourceId)) return "not in the zoo";
  try {
    const { graph, metadata } = describeModel(sourceId, { resolution, pretrainResolution });
    const s = analyzeModel(graph);
    return { params: metadata.parameters, macs: s.torchprofileMacs, all: s.macs, flops: s.flops };
  } catch (e) {
    return (e as Error).message;
  }
}

/** Returns (built − dataset) / dataset, or null when either is missing. */
export function relativeDifference(built: number | null, dataset: number | null): number | null {
  if (built === null || dataset === null || !Number.isFinite(dataset) || dataset === 0) return null;
  return (built - dataset) / dataset;
}

/** Returns the rows as a fixed-width text table (numbers with thousands separators, differences in %). */
export function formatComparison(rows: ReadonlyArray<ComparisonRow>): string {
  const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(2)}%`);
  const n = (v: number | null) => (v === null || Number.isNaN(v) ? "—" : v.toLocaleString("en-US"));
  const header = [
    "model",
    "res",
    "params (data)",
    "params (zoo)",
    "Δ",
    "MACs (data)",
    "MACs (zoo)",
    "Δ",
    "FLOPs Δ",
    "note",
  ];
  const body = rows.map((r) => [
    r.model,
    String(r.resolution),
    n(r.datasetParams),
    n(r.builtParams),
    r.builtParams === null ? "—" : String(r.builtParams - r.datasetParams),
    n(r.datasetMacs),
    n(r.builtMacs),
    pct(relativeDifference(r.builtMacs, r.datasetMacs)),
    pct(relativeDifference(r.builtFlops, r.datasetFlops)),
    [
      r.source === "reference" ? "reference count (data/zoo-references.json)" : "",
      r.error,
      r.deviation && `documented: ${r.deviation}`,
      r.runs > 1 ? `${r.runs} runs` : "",
    ]
      .filter(Boolean)
      .join("; "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
