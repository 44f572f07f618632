/**
 * The shape of a published device's figures (data/measurements/*.json): one device and the figures Favor
 * measured on it, each with its full provenance. `npm run measurements:import` writes one from any Favor
 * server; the seed loads every committed file as a device beside the paper's A100 (seed-measurements.ts).
 * Parsed and checked once here, so the seed and the tools never handle an unchecked file.
 */
import { METRIC_CATALOG } from "./metric-catalog.js";

export const MEASUREMENT_FILE_FORMAT = "favor-measurements/1";

/** One measured figure of a model at a resolution. */
export interface MeasuredFigure {
  /** The model's benchmark id (`models.sourceId`), e.g. "vit_s_16_ls". */
  readonly model: string;
  /** Its display name, for readers of the file. */
  readonly modelName: string;
  readonly resolution: number;
  /** Metric key of the catalogue (`metrics`). */
  readonly metric: string;
  readonly batchSize: number | null;
  readonly value: number;
  /** Device, runtime, provider, threads, batch, iterations, spread, validity, as the measurement stored it. */
  readonly provenance: Record<string, unknown>;
}

/** A published device's figures. */
export interface MeasurementFile {
  readonly format: typeof MEASUREMENT_FILE_FORMAT;
  readonly device: {
    readonly name: string;
    readonly kind: "cpu" | "gpu";
    readonly description: Record<string, unknown>;
  };
  /** Where the figures were exported from and when. */
  readonly exportedFrom: string;
  readonly exportedAt: string;
  readonly figures: MeasuredFigure[];
}

/** A file name for a device: lower case, words joined by dashes (`NVIDIA H200 (WebGPU)` → `nvidia-h200-webgpu.json`). */
export function deviceFileName(name: string): string {
  return `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")}.json`;
}

/** A file that is not a valid measurement file; the message names the field. */
export class MeasurementFileError extends Error {
  override readonly name = "MeasurementFileError";
}

// Only figures that depend on the device are published: parameters, MACs and FLOPs are the graph's.
const PER_DEVICE_METRICS = new Set(METRIC_CATALOG.filter((m) => m.perDevice).map((m) => m.key));

/** Checks parsed JSON and returns it typed. @throws MeasurementFileError naming the first bad field. */
export function parseMeasurementFile(json: unknown, label = "measurement file"): MeasurementFile {
  const fail = (field: string, problem: string): never => {
    throw new MeasurementFileError(`${label}: ${field} ${problem}`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(field, "must be an object");
  const str = (v: unknown, field: string): string =>
    typeof v === "string" && v.length > 0 && v.length <= 500 ? v : fail(field, "must be a non-empty string");
  const root = obj(json, "the file");
  if (root.format !== MEASUREMENT_FILE_FORMAT) fail("format", `must be "${MEASUREMENT_FILE_FORMAT}"`);
  const device = obj(root.device, "device");
  const kind =
    device.kind === "cpu" || device.kind === "gpu"
      ? device.kind
      : fail("device.kind", 'must be "cpu" or "gpu"');
  if (!Array.isArray(root.figures)) fail("figures", "must be an array");
  const seen = new Set<string>();
  const figures = (root.figures as unknown[]).map((raw, i): MeasuredFigure => {
    const at = `figures[${i}]`;
    const f = obj(raw, at);
    const metric = str(f.metric, `${at}.metric`);
    if (!PER_DEVICE_METRICS.has(metric))
      fail(`${at}.metric`, `is not a per-device metric of the catalogue: ${metric}`);
    const resolution = f.resolution;
    if (!Number.isInteger(resolution) || (resolution as number) < 1)
      fail(`${at}.resolution`, "must be a positive integer");
    const batchSize = f.batchSize ?? null;
    if (batchSize !== null && (!Number.isInteger(batchSize) || (batchSize as number) < 1))
      fail(`${at}.batchSize`, "must be a positive integer or null");
    if (typeof f.value !== "number" || !Number.isFinite(f.value))
      fail(`${at}.value`, "must be a finite number");
    const provenance = obj(f.provenance, `${at}.provenance`);
    if (Object.keys(provenance).length === 0)
      fail(`${at}.provenance`, "must say how the figure was measured");
    const figure: MeasuredFigure = {
      model: str(f.model, `${at}.model`),
      modelName: str(f.modelName, `${at}.modelName`),
      resolution: resolution as number,
      metric,
      batchSize: batchSize as number | null,
      value: f.value as number,
      provenance,
    };
    const key = `${figure.model}@${figure.resolution}/${metric}/${figure.batchSize}`;
    if (seen.has(key)) fail(at, `repeats the figure ${key}`);
    seen.add(key);
    return figure;
  });
  return {
    format: MEASUREMENT_FILE_FORMAT,
    device: {
      name: str(device.name, "device.name"),
      kind,
      description: obj(device.description, "device.description"),
    },
    exportedFrom: str(root.exportedFrom, "exportedFrom"),
    exportedAt: str(root.exportedAt, "exportedAt"),
    figures,
  };
}
