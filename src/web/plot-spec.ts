/**
 * Vega-Lite specs for Favor's plots: one pure module shared by the dashboard page (served to the browser with
 * its types stripped, see web-assets.ts) and the server-side SVG endpoints (/plots/*.svg).
 * No imports but types, no I/O: the same inputs give the same spec in Node and in the browser.
 */
import type { LabelAnchor, Spec as VegaSpec } from "vega";
import type { TopLevelSpec } from "vega-lite";

/** A metric as the catalogue describes it, enough to label and scale an axis. */
export interface AxisMetric {
  key: string;
  label: string;
  /** The catalogue's unit, e.g. `bytes`, `images/s`, `seconds`, `fraction`; null or "" when unitless. */
  unit?: string | null;
  /** Which way is better; only used in subtitles. */
  direction?: string | null;
}

/** One point of the scatter: a run (or model@resolution) with its two chosen values. */
export interface PlotPoint {
  id: string;
  model: string;
  taxonomyClass: string;
  resolution: number;
  x: number;
  y: number;
  /** On the Pareto front of the chosen objectives (rank 1). */
  front?: boolean;
  /** Non-dominated sorting rank, 1 = front; null when unknown. */
  rank?: number | null;
  /** Device whose figures these are, e.g. the paper's A100; shown in tooltips. */
  device?: string | null;
}

/** Axis scale: `auto` picks log for wide-ranging positive values and for byte/count units. */
export type ScaleChoice = "auto" | "linear" | "log";

/** Front display: `2d` joins the front's points with a line, `kd` only rings the rank-1 points. */
export type FrontMode = "none" | "2d" | "kd";

export interface ScatterOptions {
  x: AxisMetric;
  y: AxisMetric;
  points: ReadonlyArray<PlotPoint>;
  xScale?: ScaleChoice;
  yScale?: ScaleChoice;
  front?: FrontMode;
  /** Label the front's points with their model names (on by default when a front is shown). */
  labelFront?: boolean;
  title?: string;
  subtitle?: string | ReadonlyArray<string>;
  width?: number;
  height?: number;
  /** Class order for the colour scale; defaults to the paper's ten classes so colours never shift. */
  classes?: ReadonlyArray<string>;
  /** Where legends go: beside the plot (default) or below it (narrow screens). */
  legend?: "right" | "bottom";
}

/** One value of a per-epoch curve. */
export interface CurvePoint {
  run: string;
  epoch: number;
  value: number;
}

export interface CurvesOptions {
  metric: AxisMetric;
  points: ReadonlyArray<CurvePoint>;
  yScale?: ScaleChoice;
  title?: string;
  width?: number;
  height?: number;
}

/** The dashboard's ten taxonomy classes (Nauen et al.), in legend order. */
export const TAXONOMY_CLASSES: ReadonlyArray<string> = [
  "Baseline",
  "Baseline (Conv)",
  "Low-Rank Attention",
  "Sparse Attention",
  "Fixed Attention",
  "Kernel Attention",
  "Hybrid Attention",
  "Non-Attention Shuffling",
  "Sequence Reduction",
  "MLP Block",
];

/** Tableau 10, one colour per class: distinguishable and colour-blind tolerable. */
export const CLASS_COLORS: ReadonlyArray<string> = [
  "#4e79a7",
  "#9c755f",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#bab0ac",
];

/** The citation every plot of the paper's figures carries. */
export const DATA_CREDIT = "Data: Nauen et al., Which Transformer to Favor, WACV 2025 (arXiv 2308.09372)";

/** Returns how a unit is shown: axis tick format, the unit in titles, and whether values are fractions. */
export function unitDisplay(unit: string | null | undefined): {
  axisFormat: string;
  titleUnit: string;
  percent: boolean;
} {
  const u = (unit ?? "").trim().toLowerCase();
  if (u === "fraction" || u === "ratio" || u === "fraction (0-1)" || u === "0-1") {
    return { axisFormat: ".0%", titleUnit: "%", percent: true };
  }
  if (u === "%" || u === "percent") return { axisFormat: "~r", titleUnit: "%", percent: false };
  if (u === "" || u === "count" || u === "1") return { axisFormat: "~s", titleUnit: "", percent: false };
  return { axisFormat: "~s", titleUnit: unit!.trim(), percent: false };
}

/** Positions tried around a front point for its label, in order of preference (right of the point first). */
const LABEL_ANCHORS: LabelAnchor[] = [
  "top-right",
  "right",
  "bottom-right",
  "top",
  "bottom",
  "top-left",
  "left",
  "bottom-left",
];

/** How far (px) a label sits from its point's centre: just outside the front's ring (size 260, radius about 9). */
const LABEL_OFFSET = 11;

/**
 * Takes the Vega spec compiled from `buildScatterSpec` and lays the front's labels out with Vega's label transform:
 * each label goes to the first of LABEL_ANCHORS around its point where it overlaps no other label (nor, with
 * `avoidMarks`, any point or ring), and a label with no free spot is hidden (its point keeps its tooltip).
 * Vega-Lite has no such transform, so the page and the SVG route both apply this to the compiled spec. The SVG
 * route passes `avoidMarks: false`: vega-label draws the marks to avoid into a canvas, which Node lacks (labels
 * then still avoid each other, sized by Vega's generous width estimate). Returns the same spec, changed.
 */
export function placeFrontLabels(vegaSpec: VegaSpec, options: { avoidMarks?: boolean } = {}): VegaSpec {
  const labels = vegaSpec.marks?.find((m) => m.name === "frontLabels_marks");
  if (labels?.type !== "text" || !labels.encode?.update) return vegaSpec;
  // The transform sets x, y, align and baseline; a fixed nudge would move its choice off its spot.
  const { dx: _dx, dy: _dy, align: _align, baseline: _baseline, ...update } = labels.encode.update;
  labels.encode.update = update;
  labels.transform = [
    {
      type: "label",
      size: { signal: "[width, height]" },
      anchor: LABEL_ANCHORS,
      offset: LABEL_ANCHORS.map(() => LABEL_OFFSET),
      ...(options.avoidMarks === false ? {} : { avoidMarks: ["pointsLayer_marks", "frontRings_marks"] }),
      padding: 40,
    },
  ];
  return vegaSpec;
}

/** Returns "Label (unit)", or the label alone for unitless metrics. */
export function axisTitle(metric: AxisMetric): string {
  const { titleUnit } = unitDisplay(metric.unit);
  // "FLOPs (FLOP)" says nothing twice: a label that already names its unit keeps it.
  if (!titleUnit || metric.label.toLowerCase().includes(titleUnit.toLowerCase())) return metric.label;
  return `${metric.label} (${titleUnit})`;
}

/**
 * Returns a short human reading of a value in its unit, e.g. `1.37 GB`, `1,921.7 images/s`, `82.91 %`,
 * `27.6 h (99,358 s)`, `4.58 G`. Tooltips and tables use it; exports keep the raw numbers.
 */
export function formatValue(value: number | null | undefined, unit?: string | null): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const u = (unit ?? "").trim().toLowerCase();
  if (unitDisplay(unit).percent) return `${(value * 100).toFixed(2)} %`;
  if (u === "bytes" || u === "b" || u === "byte") return decimalBytes(value);
  if (u === "seconds" || u === "s" || u === "second") {
    return value >= 3600
      ? `${(value / 3600).toFixed(1)} h (${grouped(value, 0)} s)`
      : `${grouped(value, 2)} s`;
  }
  if (u === "ms" || u === "milliseconds") return `${grouped(value, 3)} ms`;
  if (u === "images/s" || u === "img/s") return `${grouped(value, 1)} images/s`;
  const suffix = u && u !== "count" && u !== "1" ? ` ${unit!.trim()}` : "";
  if (Math.abs(value) >= 1e6) return `${siPrefix(value)}${suffix}`;
  return `${grouped(value, Number.isInteger(value) ? 0 : 4)}${suffix}`;
}

/** Returns the scale an axis gets: log for positive values spanning over two decades or in bytes/counts. */
export function resolveScale(
  choice: ScaleChoice | undefined,
  metric: AxisMetric,
  values: ReadonlyArray<number>,
): "linear" | "log" {
  const positive = values.length > 0 && values.every((v) => v > 0);
  if (choice === "linear") return "linear";
  // A log axis cannot show zero or negative values; fall back rather than drop points silently.
  if (choice === "log") return positive ? "log" : "linear";
  if (!positive || unitDisplay(metric.unit).percent) return "linear";
  const u = (metric.unit ?? "").trim().toLowerCase();
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (max / min >= 100) return "log";
  return u === "bytes" || u === "flop" || u === "mac" || /flop|mac|param/i.test(metric.key)
    ? max / min >= 4
      ? "log"
      : "linear"
    : "linear";
}

/**
 * Returns the Vega-Lite spec of a scatter of two metrics: one point per run, coloured by taxonomy class, sized by
 * resolution, with tooltips, and the Pareto front as a line (2-D) or as rings on rank-1 points (k-D).
 * The data is inline under the name `points`, so a Vega View's `data("points")` reads back what is drawn; layers are
 * named (`pointsLayer`, `frontLine`, `frontRings`, `frontLabels`), so their SVG groups carry `<name>_marks` classes.
 */
export function buildScatterSpec(options: ScatterOptions): TopLevelSpec {
  const { x, y, points } = options;
  const front = options.front ?? "none";
  const classes = mergeClasses(options.classes ?? TAXONOMY_CLASSES, points);
  const xs = resolveScale(
    options.xScale,
    x,
    points.map((p) => p.x),
  );
  const ys = resolveScale(
    options.yScale,
    y,
    points.map((p) => p.y),
  );
  const xd = unitDisplay(x.unit);
  const yd = unitDisplay(y.unit);
  const values = points.map((p) => ({
    id: p.id,
    model: p.model,
    label: `${p.model}@${p.resolution}`,
    taxonomyClass: p.taxonomyClass,
    resolution: p.resolution,
    x: p.x,
    y: p.y,
    xText: formatValue(p.x, x.unit),
    yText: formatValue(p.y, y.unit),
    front: Boolean(p.front),
    rank: p.rank ?? null,
    device: p.device ?? "",
  }));
  const orient = options.legend ?? "right";
  const resolutions = [...new Set(points.map((p) => p.resolution))].sort((a, b) => a - b);
  // Points from several devices side by side: shape tells them apart.
  const devices = [...new Set(points.map((p) => p.device ?? "").filter(Boolean))];
  const xEnc = {
    field: "x",
    type: "quantitative" as const,
    title: axisTitle(x),
    // zero/nice only mean something on a linear scale (vega-lite warns otherwise).
    scale: xs === "linear" ? { type: xs, zero: false, nice: true } : { type: xs },
    axis: {
      format: tickFormat(
        xd.axisFormat,
        xs,
        points.map((p) => p.x),
      ),
      grid: true,
      tickCount: 8,
    },
  };
  const yEnc = {
    field: "y",
    type: "quantitative" as const,
    title: axisTitle(y),
    scale: ys === "linear" ? { type: ys, zero: false, nice: true } : { type: ys },
    axis: {
      format: tickFormat(
        yd.axisFormat,
        ys,
        points.map((p) => p.y),
      ),
      grid: true,
    },
  };
  const tooltip = [
    { field: "label", type: "nominal" as const, title: "Model@resolution" },
    { field: "xText", type: "nominal" as const, title: x.label },
    { field: "yText", type: "nominal" as const, title: y.label },
    { field: "taxonomyClass", type: "nominal" as const, title: "Class" },
    ...(points.some((p) => p.device) ? [{ field: "device", type: "nominal" as const, title: "Device" }] : []),
    ...(front === "kd" ? [{ field: "rank", type: "quantitative" as const, title: "Rank" }] : []),
  ];
  const layers: object[] = [
    {
      name: "pointsLayer",
      mark: { type: "point", filled: true, opacity: 0.78, stroke: "#ffffff", strokeWidth: 0.6 },
      encoding: {
        x: xEnc,
        y: yEnc,
        color: {
          field: "taxonomyClass",
          type: "nominal",
          title: "Taxonomy class",
          scale: { domain: classes, range: paletteFor(classes) },
          legend: {
            orient,
            symbolType: "circle",
            labelLimit: 220,
            ...(orient === "bottom" ? { columns: 2 } : {}),
          },
        },
        size: {
          field: "resolution",
          type: "ordinal",
          title: "Resolution (px)",
          scale: {
            domain: resolutions.length ? resolutions : [224],
            range: sizeRange(resolutions.length || 1),
          },
          legend: { orient, symbolType: "circle", symbolFillColor: "#888888" },
        },
        ...(devices.length > 1
          ? {
              shape: {
                field: "device",
                type: "nominal",
                title: "Device",
                scale: { domain: devices, range: ["circle", "square", "triangle-up", "diamond"] },
                legend: { orient },
              },
            }
          : {}),
        tooltip,
      },
    },
  ];
  if (front !== "none" && values.some((v) => v.front)) {
    if (front === "2d") {
      layers.push({
        name: "frontLine",
        transform: [{ filter: "datum.front" }],
        mark: { type: "line", color: "#1f2328", strokeWidth: 1.6, strokeDash: [5, 3], interpolate: "linear" },
        encoding: { x: xEnc, y: yEnc, order: { field: "x", type: "quantitative" } },
      });
    }
    layers.push({
      name: "frontRings",
      // A model@resolution with two runs on the front is ringed once (two rings on one spot read as a glitch).
      transform: [
        { filter: "datum.front" },
        { window: [{ op: "row_number", as: "ringIndex" }], groupby: ["label"] },
        { filter: "datum.ringIndex === 1" },
      ],
      mark: { type: "point", shape: "circle", filled: false, color: "#1f2328", strokeWidth: 1.8, size: 260 },
      encoding: { x: xEnc, y: yEnc, tooltip },
    });
    if (options.labelFront ?? true) {
      layers.push({
        name: "frontLabels",
        // Duplicate runs of one model@resolution would print the same label twice on top of each other.
        transform: [
          { filter: "datum.front" },
          { window: [{ op: "row_number", as: "labelIndex" }], groupby: ["label"] },
          { filter: "datum.labelIndex === 1" },
        ],
        mark: { type: "text", align: "left", dx: 9, dy: -7, fontSize: 10.5, color: "#1f2328" },
        encoding: { x: xEnc, y: yEnc, text: { field: "label", type: "nominal" } },
      });
    }
  }
  const subtitle =
    options.subtitle ?? frontSubtitle(front, values.filter((v) => v.front).length, values.length);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: options.width ?? 640,
    height: options.height ?? 420,
    title: {
      text: options.title ?? `${y.label} vs ${x.label}`,
      subtitle: subtitle as string | string[],
      anchor: "start",
      subtitleColor: "#57606a",
    },
    data: { name: "points", values },
    layer: layers,
    config: plotConfig(),
  } as TopLevelSpec;
}

/** Returns the Vega-Lite spec of per-epoch curves, one coloured line per run (data named `curves`). */
export function buildCurvesSpec(options: CurvesOptions): TopLevelSpec {
  const d = unitDisplay(options.metric.unit);
  const ys = resolveScale(
    options.yScale ?? "linear",
    options.metric,
    options.points.map((p) => p.value),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: options.width ?? 640,
    height: options.height ?? 260,
    title: { text: options.title ?? `${options.metric.label} per epoch`, anchor: "start" },
    data: {
      name: "curves",
      values: options.points.map((p) => ({ ...p, valueText: formatValue(p.value, options.metric.unit) })),
    },
    mark: { type: "line", point: { size: 14 }, strokeWidth: 1.6 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "Epoch", axis: { tickMinStep: 1, format: "d" } },
      y: {
        field: "value",
        type: "quantitative",
        title: axisTitle(options.metric),
        scale: ys === "linear" ? { type: ys, zero: false } : { type: ys },
        axis: { format: d.axisFormat },
      },
      color: {
        field: "run",
        type: "nominal",
        title: "Run",
        legend: { orient: "bottom", columns: 2, labelLimit: 320 },
      },
      tooltip: [
        { field: "run", type: "nominal", title: "Run" },
        { field: "epoch", type: "quantitative", title: "Epoch" },
        { field: "valueText", type: "nominal", title: options.metric.label },
      ],
    },
    config: plotConfig(),
  } as TopLevelSpec;
}

function plotConfig(): object {
  return {
    font: "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
    background: "#ffffff",
    view: { stroke: "#d0d7de" },
    axis: {
      labelColor: "#24292f",
      titleColor: "#24292f",
      gridColor: "#eaeef2",
      domainColor: "#8c959f",
      tickColor: "#8c959f",
      titleFontWeight: 600,
      labelFontSize: 11,
      titleFontSize: 12,
    },
    legend: { labelColor: "#24292f", titleColor: "#24292f", labelFontSize: 11, titleFontSize: 12 },
    title: { fontSize: 15, fontWeight: 600, color: "#1f2328", subtitleFontSize: 11.5 },
  };
}

// SI prefixes read badly on small linear ranges ("0k, 1k"); plain grouped numbers are clearer there.
function tickFormat(format: string, scale: "linear" | "log", values: ReadonlyArray<number>): string {
  if (format === ".0%" && values.length) {
    // Whole percents repeat on a narrow range ("74%, 74%, ..."): add the digits the span needs.
    const span = Math.max(...values) - Math.min(...values);
    return span >= 0.05 ? ".0%" : span >= 0.005 ? ".1%" : ".2%";
  }
  if (format !== "~s" || scale === "log") return format;
  const max = Math.max(0, ...values.map(Math.abs));
  return max < 1e6 ? ",~r" : format;
}

function frontSubtitle(front: FrontMode, onFront: number, total: number): string[] {
  const lines: string[] = [];
  if (front === "2d") lines.push(`Dashed line: Pareto front (${onFront} of ${total} points optimal).`);
  if (front === "kd") lines.push(`Ringed: rank-1 points of the k-objective front (${onFront} of ${total}).`);
  lines.push(DATA_CREDIT);
  return lines;
}

function mergeClasses(base: ReadonlyArray<string>, points: ReadonlyArray<PlotPoint>): string[] {
  const extra = [...new Set(points.map((p) => p.taxonomyClass))].filter((c) => !base.includes(c)).sort();
  return [...base, ...extra];
}

function paletteFor(classes: ReadonlyArray<string>): string[] {
  return classes.map((_, i) => CLASS_COLORS[i % CLASS_COLORS.length]);
}

function sizeRange(n: number): number[] {
  if (n === 1) return [70, 70]; // a point scale needs two ends, even for one value
  return Array.from({ length: n }, (_, i) => Math.round(45 + (i * 135) / (n - 1)));
}

function grouped(value: number, digits: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

// Decimal units, so tooltips agree with the SI tick labels (1G = 1e9 bytes = 1 GB).
function decimalBytes(value: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(2)} ${units[i]}`;
}

function siPrefix(value: number): string {
  const prefixes: Array<[number, string]> = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
  ];
  for (const [scale, p] of prefixes) {
    if (Math.abs(value) >= scale) return `${(value / scale).toFixed(2)} ${p}`;
  }
  return String(value);
}
